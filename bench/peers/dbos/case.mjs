// DBOS Transact 5.3 on Postgres (the shared server, database `test`, its own system schema, dropped
// afterwards). A workflow of n `DBOS.runStep` steps; each step's result is checkpointed in
// Postgres (fsync=on, synchronous_commit=on).
//   node bench/peers/dbos/case.mjs <seq|throughput> '<params json>'
import { DBOS } from "@dbos-inc/dbos-sdk";
import pg from "pg";
import { emit, measureSeq, round } from "../../lib/stats.mjs";

const [workload, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const url = process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `weftbench_dbos_${process.pid}`;
const now = () => performance.timeOrigin + performance.now();

DBOS.setConfig({ name: "weft-bench", systemDatabaseUrl: url, systemDatabaseSchemaName: schema, logLevel: "error" });
const step = async (i) => i;
const seq = DBOS.registerWorkflow(async (n) => {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await DBOS.runStep(() => step(i), { name: `s${i}` });
  return sum;
}, { name: "seq" });

let result;
try {
  await DBOS.launch();
  await seq(10); // warm-up
  if (workload === "seq") {
    result = { ok: true, metrics: await measureSeq(seq, params.steps ?? 200) };
  } else if (workload === "throughput") {
    const runs = params.runs ?? 500, steps = params.steps ?? 10, inFlight = params.inFlight ?? 50, capMs = (params.capS ?? Infinity) * 1000;
    let next = 0;
    const t0 = now();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < runs && now() - t0 < capMs) {
        next++;
        const handle = await DBOS.startWorkflow(seq)(steps);
        await handle.getResult();
      }
    }));
    const ms = now() - t0;
    result = { ok: true, metrics: { steps_per_s: round(((next * steps) / ms) * 1000, 0), runs_per_s: round((next / ms) * 1000, 0), total_ms: round(ms, 1), runs: next, runs_asked: runs, capped: next < runs, steps, in_flight: inFlight } };
  } else throw new Error(`dbos: no workload ${workload}`);
} catch (e) {
  result = { ok: false, error: String(e?.message ?? e) };
}
await DBOS.shutdown().catch(() => {});
const c = new pg.Client({ connectionString: url });
await c.connect();
await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
await c.end();
emit(result);
process.exit(0);
