// Crash recovery: `weft dev` (the built CLI) as a child process on a store, an app in this process,
// R runs of S steps (each step sleeps a little, so runs are mid-flight); once half the steps have
// run, kill -9 the server, start it again on the same port and store, and time until every run's
// last step has run. Also counts steps that ran more than once (at-least-once around the kill).
//   node bench/lib/weft-crash.mjs <sqlite|redis|postgres> '<params json>'
import { spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { serve, Weft } from "@weft/sdk";
import { request } from "undici";
import { now } from "./functions.mjs";
import { emit, round, sleep } from "./stats.mjs";
import { storeConfig } from "./stores.mjs";

const [store, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const runs = params.runs ?? 50,
  steps = params.steps ?? 20,
  stepMs = params.stepMs ?? 5;
const lease = params.lease ?? "2s";
const cli = fileURLToPath(new URL("../../packages/cli/dist/bin.js", import.meta.url));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const executions = new Map(); // `${k}:${i}` → count
const finished = new Set();
let executed = 0;
const port = await freePort();
const client = new Weft({ id: "crash-bench", baseUrl: `http://127.0.0.1:${port}` });
const fn = client.createFunction({ id: "crashy", retries: 3 }, { event: "bench/crash" }, async ({ event, step }) => {
  const k = event.data.k;
  for (let i = 0; i < steps; i++) {
    await step.run(`s${i}`, async () => {
      const key = `${k}:${i}`;
      executions.set(key, (executions.get(key) ?? 0) + 1);
      executed++;
      await sleep(stepMs);
      if (i === steps - 1) finished.add(k);
      return i;
    });
  }
});
const handler = serve({ client, functions: [fn] });
const http = createHttpServer((req, res) => void handler(req, res));
await new Promise((r) => http.listen(0, "127.0.0.1", r));
const appUrl = `http://127.0.0.1:${http.address().port}/api/inngest`;

const sc = storeConfig(store, `crash${process.pid}`);
const args = [
  "dev",
  "--port",
  String(port),
  "--db",
  sc.config.db,
  ...(sc.config.state ? ["--state", sc.config.state] : []),
  "-u",
  appUrl,
  "--no-discovery",
  "--lease",
  lease,
  "--retry-interval",
  "200ms",
];
function startServer() {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (!log.includes("app sync ok")) return;
      clearInterval(check);
      child.removeAllListeners("exit");
      resolve(child);
    }, 5);
    child.once("exit", (code) => {
      clearInterval(check);
      reject(new Error(`weft dev exited with ${code}: ${log.slice(-2000)}`));
    });
  });
}
const kill9 = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });

let result;
let server;
try {
  server = await startServer();
  const events = Array.from({ length: runs }, (_, k) => ({ name: "bench/crash", data: { k } }));
  const res = await request(`http://127.0.0.1:${port}/e/bench-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  if (res.statusCode !== 200) throw new Error(`send → ${res.statusCode} ${await res.body.text()}`);
  await res.body.text();
  const total = runs * steps;
  const t0 = now();
  while (executed < total / 2) {
    if (now() - t0 > 120_000) throw new Error(`only ${executed} of ${total} steps ran before the kill`);
    await sleep(2);
  }
  await kill9(server);
  const killedAt = now();
  const doneAtKill = finished.size;
  server = await startServer();
  const readyAt = now();
  while (finished.size < runs) {
    if (now() - killedAt > 120_000) throw new Error(`${runs - finished.size} runs not finished 120 s after the restart`);
    await sleep(2);
  }
  const doneAt = now();
  const dup = [...executions.values()].filter((c) => c > 1).length;
  const missing = total - executions.size;
  result = {
    ok: true,
    metrics: {
      recovery_s: round((doneAt - killedAt) / 1000, 2),
      restart_ms: round(readyAt - killedAt, 0),
      drain_after_ready_s: round((doneAt - readyAt) / 1000, 2),
      runs,
      steps,
      lease,
      runs_done_at_kill: doneAtKill,
      lost_runs: runs - finished.size,
      steps_run_twice: dup,
      steps_never_run: missing,
    },
  };
} catch (e) {
  result = { ok: false, error: String(e?.message ?? e) };
}
if (server) await kill9(server);
http.closeAllConnections();
http.close();
await sc.cleanup().catch((e) => console.error(`cleanup: ${e.message}`));
emit(result);
process.exit(0);
