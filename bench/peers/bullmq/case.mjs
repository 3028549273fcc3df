// BullMQ 6 on Redis (127.0.0.1:6379, queue under its own prefix, removed afterwards). Plain jobs,
// no durable steps: a "step" here is one job. Redis runs with appendonly=no and no RDB save.
//   node bench/peers/bullmq/case.mjs <seq|throughput> '<params json>'
import { Queue, QueueEvents, Worker } from "bullmq";
import { emit, measureSeq, round } from "../../lib/stats.mjs";

const [workload, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const url = new URL(process.env.WEFT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
const prefix = `weftbench-bullmq-${process.pid}`;
const name = "bench";
const now = () => performance.timeOrigin + performance.now();

const queue = new Queue(name, { connection, prefix });
let completed = 0;
const waiters = [];
const worker = new Worker(name, async (job) => job.data.i, { connection, prefix, concurrency: params.concurrency ?? 50, autorun: true });
worker.on("completed", () => {
  completed++;
  for (const w of waiters.splice(0)) w();
});
const until = (n) => new Promise((resolve) => {
  const check = () => (completed >= n ? resolve() : waiters.push(check));
  check();
});
await worker.waitUntilReady();
const opts = { removeOnComplete: true, removeOnFail: true };

let result;
try {
  // warm-up
  await queue.add("w", { i: 0 }, opts);
  await until(1);
  if (workload === "seq") {
    // A chain: each job is added when the previous one completed (the analogue of sequential steps).
    const chain = async (n) => {
      const base = completed;
      for (let i = 0; i < n; i++) {
        await queue.add("s", { i }, opts);
        await until(base + i + 1);
      }
    };
    result = { ok: true, metrics: await measureSeq(chain, params.steps ?? 200) };
  } else if (workload === "throughput") {
    // runs × steps jobs, added in bulk; the worker runs 50 at once.
    const total = (params.runs ?? 500) * (params.steps ?? 10);
    const base = completed;
    const t0 = now();
    for (let i = 0; i < total; i += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ name: "j", data: { i: i + j }, opts })));
    await until(base + total);
    const ms = now() - t0;
    result = { ok: true, metrics: { steps_per_s: round((total / ms) * 1000, 0), total_ms: round(ms, 1), jobs: total, concurrency: params.concurrency ?? 50 } };
  } else throw new Error(`bullmq: no workload ${workload}`);
} catch (e) {
  result = { ok: false, error: String(e?.message ?? e) };
}
await worker.close();
await queue.obliterate({ force: true }).catch(() => {});
await queue.close();
emit(result);
process.exit(0);
