// Restate 1.7 (the npm restate-server binary, single node, default config: replicated loglet +
// RocksDB with WAL fsync on) and @restatedev/restate-sdk. A service whose handler runs n
// `ctx.run` steps (or n parallel ones: fan-out); invoked through the ingress over HTTP, the SDK
// endpoint in this process.
// A second service, a workflow, is the wait case: k workflows each park on a durable promise, and a
// burst of k calls resolves them (Restate's ingress takes one call per promise).
//   node bench/peers/restate/case.mjs <seq|throughput|fanout10|fanout100|fanout1000|wait> '<params json>'
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { emit, measureSeq, percentile, round, sleep } from "../../lib/stats.mjs";

// The SDK calls Promise.withResolvers (Node 22+); this machine runs Node 20.
Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new Promise((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
};

// The SDK logs each invocation's start and end at INFO to the console: bench without that (read once, at load).
process.env.RESTATE_LOGGING ??= "WARN";
const restate = await import("@restatedev/restate-sdk");

const [workload, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const now = () => performance.timeOrigin + performance.now();
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const require = createRequire(import.meta.url);
const binary = require.resolve(`@restatedev/restate-server-linux-${process.arch}/bin/restate-server`);
const dir = mkdtempSync(join(tmpdir(), "weft-bench-restate-"));
const [ingress, admin, node, pgsql] = [await freePort(), await freePort(), await freePort(), await freePort()];
const server = spawn(binary, ["--base-dir", dir, "--no-logo", "--listen-mode", "tcp"], {
  cwd: dir,
  stdio: ["ignore", "pipe", "pipe"],
  env: {
    ...process.env,
    RESTATE_DISABLE_TELEMETRY: "true",
    RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingress}`,
    RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${admin}`,
    RESTATE_BIND_ADDRESS: `127.0.0.1:${node}`,
    RESTATE_ADMIN__QUERY_ENGINE__PGSQL_BIND_ADDRESS: `127.0.0.1:${pgsql}`,
  },
});
let log = "";
server.stdout.on("data", (d) => (log += d));
server.stderr.on("data", (d) => (log += d));

const bench = restate.service({
  name: "Bench",
  handlers: {
    seq: async (ctx, n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += await ctx.run(`s${i}`, () => i);
      return sum;
    },
    // Fan-out: n ctx.run steps at once, joined with the SDK's own combinator (deterministic on replay).
    fan: async (ctx, n) => (await restate.RestatePromise.all(Array.from({ length: n }, (_, i) => ctx.run(`f${i}`, () => i)))).length,
  },
});
// The wait case: each workflow notes that it parked, awaits its promise "go", and reports how long
// the resume took from the moment its resolving call was made (`sentAt`). A replay after a
// suspension runs the handler again: only the first note of each key counts.
const parked = new Set();
const resumed = new Map();
const waiter = restate.workflow({
  name: "Waiter",
  handlers: {
    run: async (ctx) => {
      parked.add(ctx.key);
      const go = await ctx.promise("go");
      if (!resumed.has(ctx.key)) resumed.set(ctx.key, now() - go.sentAt);
      return true;
    },
    go: async (ctx, data) => ctx.promise("go").resolve(data),
  },
});
const endpointPort = await freePort();
await restate.endpoint().bind(bench).bind(waiter).listen(endpointPort);

const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
async function call(method, url, body) {
  const res = await request(url, { method, dispatcher, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

let result;
try {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await call("POST", `http://127.0.0.1:${admin}/deployments`, { uri: `http://127.0.0.1:${endpointPort}` });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`restate did not come up: ${e.message}\n${log.slice(-1500)}`);
      await sleep(200);
    }
  }
  const invoke = (n) => call("POST", `http://127.0.0.1:${ingress}/Bench/seq`, n);
  for (let d = Date.now() + 30_000; ; ) {
    try {
      await invoke(10); // warm-up (also waits for the partitions to be ready)
      break;
    } catch (e) {
      if (Date.now() > d) throw e;
      await sleep(200);
    }
  }
  if (workload === "seq") {
    result = { ok: true, metrics: await measureSeq(invoke, params.steps ?? 200) };
  } else if (workload === "throughput") {
    const runs = params.runs ?? 500, steps = params.steps ?? 10, inFlight = params.inFlight ?? 50, capMs = (params.capS ?? Infinity) * 1000;
    let next = 0;
    const t0 = now();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < runs && now() - t0 < capMs) {
        next++;
        await invoke(steps);
      }
    }));
    const ms = now() - t0;
    result = { ok: true, metrics: { steps_per_s: round(((next * steps) / ms) * 1000, 0), runs_per_s: round((next / ms) * 1000, 0), total_ms: round(ms, 1), runs: next, runs_asked: runs, capped: next < runs, steps, in_flight: inFlight } };
  } else if (workload.startsWith("fanout")) {
    const n = params.n ?? 100;
    const t0 = now();
    const got = await call("POST", `http://127.0.0.1:${ingress}/Bench/fan`, n);
    const ms = now() - t0;
    if (got !== n) throw new Error(`fan-out returned ${got}, expected ${n}`);
    result = { ok: true, metrics: { total_ms: round(ms, 1), ms_per_step: round(ms / n, 4), steps_per_s: round((n / ms) * 1000, 0), n } };
  } else if (workload === "wait") {
    const k = params.k ?? 1000;
    const keys = Array.from({ length: k }, (_, i) => `w${i}`);
    const until = async (done, what) => {
      for (const deadline = Date.now() + 120_000; !done(); await sleep(5)) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    };
    const t0 = now();
    await Promise.all(keys.map((key) => call("POST", `http://127.0.0.1:${ingress}/Waiter/${key}/run/send`, {})));
    await until(() => parked.size >= k, `${k} waits to park (${parked.size} so far)`);
    const parkMs = now() - t0;
    await sleep(50);
    // The burst: one resolving call per workflow, all at once (the dispatcher's 64 connections carry them).
    const t1 = now();
    await Promise.all(keys.map((key) => call("POST", `http://127.0.0.1:${ingress}/Waiter/${key}/go`, { sentAt: now() })));
    const burstSendMs = now() - t1;
    await until(() => resumed.size >= k, `${k} resumes (${resumed.size} so far)`);
    const lat = [...resumed.values()];
    result = {
      ok: true,
      metrics: { p50_ms: round(percentile(lat, 50), 2), p99_ms: round(percentile(lat, 99), 2), max_ms: round(Math.max(...lat), 2), k, park_ms: round(parkMs, 0), burst_send_ms: round(burstSendMs, 1) },
    };
  } else throw new Error(`restate: no workload ${workload}`);
} catch (e) {
  result = { ok: false, error: String(e?.message ?? e) };
}
server.kill("SIGKILL");
await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
rmSync(dir, { recursive: true, force: true });
emit(result);
process.exit(0);
