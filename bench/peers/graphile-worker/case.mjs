// graphile-worker 0.17 on Postgres (database `test`, its own schema, dropped afterwards). Plain
// jobs, no durable steps: a "step" here is one job. Postgres fsync=on, synchronous_commit=on.
//   node bench/peers/graphile-worker/case.mjs <seq|throughput> '<params json>'
import { makeWorkerUtils, run } from "graphile-worker";
import pg from "pg";
import { emit, measureSeq, round } from "../../lib/stats.mjs";

const [workload, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const connectionString = process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `weftbench_gw_${process.pid}`;
const concurrency = params.concurrency ?? 20;
const now = () => performance.timeOrigin + performance.now();
const logFactory = () => () => {};
const { Logger } = await import("graphile-worker");
const logger = new Logger(logFactory);

let completed = 0;
const waiters = [];
const until = (n) => new Promise((resolve) => {
  const check = () => (completed >= n ? resolve() : waiters.push(check));
  check();
});
const runner = await run({
  connectionString, schema, concurrency, maxPoolSize: concurrency + 5, noHandleSignals: true, pollInterval: 1000, logger,
  taskList: { job: async (payload) => payload.i },
});
runner.events.on("job:success", () => {
  completed++;
  for (const w of waiters.splice(0)) w();
});
const utils = await makeWorkerUtils({ connectionString, schema, logger });

let result;
try {
  await utils.addJob("job", { i: 0 });
  await until(1);
  if (workload === "seq") {
    const chain = async (n) => {
      const base = completed;
      for (let i = 0; i < n; i++) {
        await utils.addJob("job", { i });
        await until(base + i + 1);
      }
    };
    result = { ok: true, metrics: await measureSeq(chain, params.steps ?? 200) };
  } else if (workload === "throughput") {
    const total = (params.runs ?? 500) * (params.steps ?? 10);
    const base = completed;
    const t0 = now();
    for (let i = 0; i < total; i += 1000) await utils.addJobs(Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ identifier: "job", payload: { i: i + j } })));
    await until(base + total);
    const ms = now() - t0;
    result = { ok: true, metrics: { steps_per_s: round((total / ms) * 1000, 0), total_ms: round(ms, 1), jobs: total, concurrency } };
  } else throw new Error(`graphile-worker: no workload ${workload}`);
} catch (e) {
  result = { ok: false, error: String(e?.message ?? e) };
}
await runner.stop().catch(() => {});
await utils.release().catch(() => {});
const c = new pg.Client({ connectionString });
await c.connect();
await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
await c.end();
emit(result);
process.exit(0);
