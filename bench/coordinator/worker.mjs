// One engine-like worker for the bench, forked by run.mjs. It opens the stores (Postgres directly, or a
// coordinator) and runs a fan-out workload on the store interfaces alone, the per-step pattern of the
// engine: create a run, then per step enqueue its job, lease a job (any worker's), save the step,
// dequeue. `--loops` such loops run concurrently. At "go" it runs until `endAt`, then helps drain
// the queue, and reports its counts to the parent. StoreUnavailableError (a coordinator restarting)
// is retried, as the engine's worker loop retries a job: every call here is safe to repeat.
import { parseArgs } from "node:util";
import { StoreUnavailableError, isWeftError } from "../../packages/core/dist/index.js";
import { createPostgresStores } from "../../packages/store-postgres/dist/index.js";
import { createRemoteStores } from "../../packages/store-remote/dist/index.js";

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    mode: { type: "string" },
    postgres: { type: "string" },
    schema: { type: "string" },
    remote: { type: "string" },
    token: { type: "string" },
    loops: { type: "string", default: "2" },
    steps: { type: "string", default: "20" },
    "lease-ms": { type: "string", default: "5000" },
  },
});
const id = values.id;
const loops = Number(values.loops);
const stepsPerRun = Number(values.steps);
const leaseMs = Number(values["lease-ms"]);

const stores =
  values.mode === "direct"
    ? createPostgresStores(values.postgres, { schema: values.schema, poolSize: 4 })
    : createRemoteStores(values.remote, { token: values.token });
await Promise.all([stores.state.init(), stores.queue.init()]);

const ops = ["createRun", "enqueue", "lease", "saveStep", "dequeue", "size"];
const stats = { id, runs: {}, stepsInWindow: 0, stepsTotal: 0, calls: 0, retries: 0, duplicates: 0, timing: Object.fromEntries(ops.map((op) => [op, [0, 0]])) };
process.send({ ready: true });
const { startAt, endAt, drainUntil } = await new Promise((resolve) => process.once("message", (m) => resolve(m.go)));
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));

await Promise.all(Array.from({ length: loops }, (_, l) => stepLoop(l)));
await drain();
process.send({ done: stats });
await Promise.all([stores.state.close(), stores.pauses.close(), stores.queue.close()]);
process.exit(0);

async function stepLoop(l) {
  for (let n = 0; Date.now() < endAt; n++) {
    const runId = `w${id}-l${l}-r${n}`;
    await retry("createRun", () =>
      stores.state.createRun({
        runId,
        idempotencyKey: `bench:${runId}`,
        functionId: "bench-fanout",
        appId: "bench",
        env: "bench",
        events: [{ id: runId, name: "bench/fanout", data: { worker: id }, user: {}, ts: Date.now() }],
        createdAt: Date.now(),
        maxAttempts: 3,
      }),
    );
    stats.runs[runId] = 0;
    for (let i = 0; i < stepsPerRun && Date.now() < endAt; i++) {
      const job = { id: `${runId}:s:${i}`, kind: "step", runId, tenant: `w${id}`, payload: { stepId: `s${i}` }, availableAt: Date.now(), attempt: 0 };
      await retry("enqueue", () => stores.queue.enqueue(job));
      stats.runs[runId] += 1;
      await work(1);
    }
  }
}

/** Lease up to `limit` jobs and run them: save the step (write-once, so a redelivery is harmless), dequeue. */
async function work(limit) {
  const leases = await retry("lease", () => stores.queue.lease({ now: Date.now(), leaseMs, limit }));
  for (const lease of leases) {
    const { stepId } = lease.item.payload;
    const saved = await retry("saveStep", () => stores.state.saveStep(lease.item.runId, stepId, `{"data":"${stepId}"}`));
    // Already saved: a job redelivered after a lost lease or a lost dequeue (at-least-once at work).
    if (saved.status === "idempotent") stats.duplicates += 1;
    await retry("dequeue", () => stores.queue.dequeue(lease.token));
    stats.stepsTotal += 1;
    if (Date.now() <= endAt) stats.stepsInWindow += 1;
  }
  return leases.length;
}

/** After the window: take what is left (including jobs whose leases were lost and have expired). */
async function drain() {
  while (Date.now() < drainUntil) {
    if ((await work(10)) > 0) continue;
    if ((await retry("size", () => stores.queue.size())) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function retry(op, fn) {
  for (let attempt = 0; ; attempt++) {
    stats.calls += 1;
    const started = performance.now();
    try {
      const result = await fn();
      stats.timing[op][0] += performance.now() - started;
      stats.timing[op][1] += 1;
      return result;
    } catch (e) {
      if (!isWeftError(e, StoreUnavailableError) || attempt >= 50) throw e;
      stats.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }
}
