// Weft's benchmark: the workloads of the performance issue on Weft (SQLite, Redis, Postgres;
// embedded and over HTTP) and on peers installed on demand from npm (BullMQ, Restate, DBOS,
// graphile-worker), alternating systems within each repeat, every measurement in a fresh process.
// Writes bench/results/latest.json and docs/benchmarks.md. Run after `npm run build`:
//
//   npm run bench -- [--workload seq,throughput,fanout,wait,first,timers,burst,fairness,crash,memory]
//                    [--store sqlite,redis,postgres] [--mode embedded,http,http-inngest]
//                    [--peers bullmq,restate,dbos,graphile-worker | --peers none]
//                    [--repeat 3] [--big] [--profile] [--no-write] [--out FILE.json]
//
// --no-write: touch neither docs/benchmarks.md nor bench/results/latest.json; the report goes to
// --out when one is given, else to stdout.
//
// --big uses the issue's full counts (10,000 waits and timers, a 100,000-event burst, 100,000
// noisy items for fairness); the defaults are smaller so a full run fits in about ten minutes on
// two cores. Mode http-inngest is Weft over HTTP with an app on the official `inngest` SDK 4.x
// (bench/lib/inngest-app.mjs); it runs seq, throughput, fan-out 10/100 and waits, on SQLite unless
// --store is given. Issue 19's goals (bench/lib/issue19-goals.mjs) are checked against Restate
// in the same run. --profile only profiles sequential steps (embedded and HTTP, SQLite) and writes
// bench/results/profile.json; the table keeps the last full run's profile section.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { issue19Goals } from "./lib/issue19-goals.mjs";
import { summarise } from "./lib/profile-summary.mjs";
import { median, round } from "./lib/stats.mjs";
import { durability, postgresUrl, redisUrl } from "./lib/stores.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const benchDir = join(root, "bench");
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv,
  options: {
    workload: { type: "string", default: "seq,throughput,fanout,wait,first,timers,timers-spread,burst,fairness,crash,memory" },
    store: { type: "string", default: "sqlite,redis,postgres" },
    mode: { type: "string", default: "embedded,http,http-inngest" },
    peers: { type: "string", default: "bullmq,restate,dbos,graphile-worker" },
    repeat: { type: "string", default: "3" },
    big: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    render: { type: "boolean", default: false },
    out: { type: "string", default: join(benchDir, "results", "latest.json") },
  },
});
const list = (s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x && x !== "none");
const repeat = Math.max(1, Number(values.repeat));
const big = values.big;
const stores = list(values.store);
const modes = list(values.mode);
const peers = values.profile ? [] : list(values.peers);

// --- the workloads: counts, which metric leads, targets ---
const counts = {
  seq: { steps: 200 },
  throughput: { runs: 500, steps: 10, inFlight: 50, capS: big ? 600 : 10 },
  fanout10: { n: 10 },
  fanout100: { n: 100 },
  fanout1000: { n: 1000 },
  wait: { k: big ? 10_000 : 1_000 },
  first: { sends: 200 },
  timers: { k: big ? 10_000 : 1_000, spreadMs: 0 },
  "timers-spread": { k: big ? 10_000 : 1_000, spreadMs: big ? 20_000 : 5_000 },
  burst: { n: big ? 100_000 : 2_000 },
  fairness: { noisy: big ? 100_000 : 5_000 },
  crash: { runs: 50, steps: 20, stepMs: 5, lease: "2s" },
  memory: { k: big ? 100_000 : 10_000 },
};
const workloadInfo = {
  seq: {
    title: "sequential steps (a run of 200 steps after a first run of 200: the steady state; the first run in its own column)",
    metric: "ms_per_step",
    unit: "ms/step",
    better: "lower",
    also: ["first_run_ms_per_step"],
    peers: true,
  },
  throughput: {
    title: `throughput (500 runs × 10 steps, ≤50 in flight${big ? "" : `; no new run after ${counts.throughput.capS} s, the rate is over the runs that ran`})`,
    metric: "steps_per_s",
    unit: "steps/s",
    better: "higher",
    also: ["runs"],
    peers: true,
  },
  fanout10: { title: "fan-out 10 parallel steps (1 run)", metric: "total_ms", unit: "ms/run", better: "lower" },
  fanout100: { title: "fan-out 100 parallel steps (1 run)", metric: "total_ms", unit: "ms/run", better: "lower" },
  fanout1000: { title: "fan-out 1,000 parallel steps (1 run)", metric: "total_ms", unit: "ms/run", better: "lower" },
  wait: {
    title: `waitForEvent: ${counts.wait.k.toLocaleString("en")} parked waits, burst of matching events`,
    metric: "p99_ms",
    unit: "ms p99 resume",
    better: "lower",
    also: ["p50_ms", "park_ms"],
  },
  first: { title: "event → first step, idle (200 sends one at a time)", metric: "p99_ms", unit: "ms p99", better: "lower", also: ["p50_ms"] },
  timers: {
    title: `timers: ${counts.timers.k.toLocaleString("en")} sleeping runs all due at one moment`,
    metric: "p99_ms",
    unit: "ms p99 late",
    better: "lower",
    also: ["p50_ms", "park_ms"],
  },
  "timers-spread": {
    title: `timers: ${counts["timers-spread"].k.toLocaleString("en")} sleeping runs due spread over ${counts["timers-spread"].spreadMs / 1000} s`,
    metric: "p99_ms",
    unit: "ms p99 late",
    better: "lower",
    also: ["p50_ms", "park_ms"],
  },
  burst: {
    title: `${counts.burst.n.toLocaleString("en")}-event burst (1 step each)`,
    metric: "runs_per_s",
    unit: "runs/s end to end",
    better: "higher",
    also: ["ingest_events_per_s"],
  },
  fairness: {
    title: `queue fairness (${counts.fairness.noisy.toLocaleString("en")} noisy items ahead, quiet tenant 1 per 10 ms)`,
    metric: "p99_ms",
    unit: "ms p99 quiet wait",
    better: "lower",
    also: ["p50_ms", "dequeues_per_s"],
  },
  memory: {
    title: `memory: engine RSS growth with ${counts.memory.k.toLocaleString("en")} runs parked on waits (after GC)`,
    metric: "growth_mb",
    unit: "MB RSS growth",
    better: "lower",
    also: ["heap_growth_mb", "bytes_per_run", "park_ms"],
  },
  crash: {
    title: "crash recovery (kill -9 the server mid-run, restart; 50 runs × 20 steps, lease 2 s)",
    metric: "recovery_s",
    unit: "s kill → all done",
    better: "lower",
    also: ["restart_ms", "steps_run_twice", "lost_runs"],
  },
};
const aliases = { fanout: ["fanout10", "fanout100", "fanout1000"], all: Object.keys(workloadInfo) };
/**
 * Repeats per workload when --repeat is not given: 3 for the light ones, 1 for the heavy ones, so
 * a default run stays near ten minutes on two cores. An explicit --repeat applies to all.
 */
const defaultRepeat = {
  seq: 3,
  throughput: 3,
  fanout10: 3,
  fanout100: 3,
  first: 3,
  fanout1000: 1,
  wait: 1,
  timers: 1,
  "timers-spread": 1,
  burst: 1,
  fairness: 1,
  crash: 1,
  memory: 1,
};
const given = (flag) => argv.some((a) => a === flag || a.startsWith(`${flag}=`));
const repeatOf = (w) => (given("--repeat") ? repeat : (defaultRepeat[w] ?? repeat));
/** Fan-out 1,000 and memory are long cells: SQLite only unless --big or --store is given. */
const storesOf = (w) => ((w === "fanout1000" || w === "memory") && !big && !given("--store") ? stores.filter((s) => s === "sqlite") : stores);
/** The official-SDK rows: the workloads issue 19 compares, on SQLite (`weft dev`'s store) unless --store is given. */
const inngestWorkloads = ["seq", "throughput", "fanout10", "fanout100", "wait"];
const modesOf = (w, store) => modes.filter((m) => m !== "http-inngest" || (inngestWorkloads.includes(w) && (given("--store") || store === "sqlite")));
const workloads = list(values.workload).flatMap((w) => aliases[w] ?? [w]);
for (const w of workloads) if (!workloadInfo[w]) throw new Error(`unknown workload ${w}: one of ${Object.keys(workloadInfo).join(", ")}, fanout`);

/** Targets of the issue, as checks on rows. */
const targets = [
  {
    workload: "seq",
    store: "sqlite",
    mode: "http",
    metric: "ms_per_step",
    op: "<=",
    value: 1,
    text: "per-step overhead over HTTP, durable on SQLite ≤ 1 ms (steady state: the second 200-step run)",
  },
  {
    workload: "seq",
    store: "sqlite",
    mode: "embedded",
    metric: "ms_per_step",
    op: "<=",
    value: 0.2,
    text: "per-step overhead embedded (SQLite) ≤ 0.2 ms (steady state: the second 200-step run)",
  },
  {
    workload: "throughput",
    store: "sqlite",
    mode: "http",
    metric: "steps_per_s",
    op: ">=",
    value: 5000,
    text: "throughput over HTTP on SQLite ≥ 5,000 steps/s",
  },
  { workload: "throughput", store: "redis", mode: "http", metric: "steps_per_s", op: ">=", value: 5000, text: "throughput over HTTP on Redis ≥ 5,000 steps/s" },
  ...["sqlite", "redis", "postgres"].map((store) => ({
    workload: "throughput",
    store,
    mode: "embedded",
    metric: "steps_per_s",
    op: ">=",
    value: 20000,
    text: `throughput embedded (${store}) ≥ 20,000 steps/s`,
  })),
  ...["sqlite", "redis", "postgres"].flatMap((store) =>
    ["embedded", "http"].flatMap((mode) => [
      {
        workload: "wait",
        store,
        mode,
        metric: "p99_ms",
        op: "<=",
        value: counts.wait.k >= 10_000 ? 500 : 100,
        text: `${counts.wait.k.toLocaleString("en")} waits resumed by a burst: p99 ≤ ${counts.wait.k >= 10_000 ? 500 : 100} ms (${store}, ${mode})`,
      },
      { workload: "first", store, mode, metric: "p50_ms", op: "<=", value: 2, text: `event → first step p50 ≤ 2 ms (${store}, ${mode})` },
      { workload: "first", store, mode, metric: "p99_ms", op: "<=", value: 10, text: `event → first step p99 ≤ 10 ms (${store}, ${mode})` },
      {
        workload: "timers",
        store,
        mode,
        metric: "p99_ms",
        op: "<=",
        value: 50,
        text: `timers within 50 ms of due at p99, all due at once (${store}, ${mode}; target stated for 10,000 sleeping runs, this run: ${counts.timers.k.toLocaleString("en")})`,
      },
      {
        workload: "timers-spread",
        store,
        mode,
        metric: "p99_ms",
        op: "<=",
        value: 50,
        text: `timers within 50 ms of due at p99, due spread over ${counts["timers-spread"].spreadMs / 1000} s (${store}, ${mode}; target stated for 10,000 sleeping runs, this run: ${counts["timers-spread"].k.toLocaleString("en")})`,
      },
    ]),
  ),
  // "RSS stays flat" made measurable (our threshold): the JS heap the engine still holds after a
  // GC grows by at most 1 KB per parked run; the RSS growth is shown beside it.
  ...["embedded", "http"].map((mode) => ({
    workload: "memory",
    store: "sqlite",
    mode,
    metric: "heap_bytes_per_run",
    op: "<=",
    value: 1024,
    text: `memory: engine heap after GC ≤ 1 KB per parked run, ${counts.memory.k.toLocaleString("en")} waiting runs (sqlite, ${mode})`,
  })),
];
/** Peers measured earlier on this machine class (the issue's reference numbers). */
const reference = {
  restate: "Restate 1.7: 3.55 ms/step, 1,529 steps/s",
  dbos: "DBOS 5.3 on Postgres: 3.35 ms/step, 852 steps/s",
  bullmq: "BullMQ 6.7: 8,600 jobs/s",
};

// --- the systems under test ---
const peerInfo = {
  bullmq: {
    name: "BullMQ",
    store: "redis",
    needs: ["redis"],
    durability: "Redis appendonly=no, no RDB save: NOT durable across a Redis restart; plain jobs, no durable steps (a step = a job)",
    workloads: ["seq", "throughput"],
    pkg: "bullmq",
  },
  restate: {
    name: "Restate",
    store: "own log (RocksDB)",
    needs: [],
    durability: "Restate single node, default config: replicated loglet + RocksDB, WAL fsync on",
    workloads: ["seq", "throughput", "fanout10", "fanout100", "wait"],
    pkg: "@restatedev/restate-server",
  },
  dbos: {
    name: "DBOS",
    store: "postgres",
    needs: ["postgres"],
    durability: "Postgres 15, fsync=on, synchronous_commit=on (a checkpoint per step)",
    workloads: ["seq", "throughput"],
    pkg: "@dbos-inc/dbos-sdk",
  },
  "graphile-worker": {
    name: "graphile-worker",
    store: "postgres",
    needs: ["postgres"],
    durability: "Postgres 15, fsync=on, synchronous_commit=on; plain jobs, no durable steps (a step = a job), concurrency 20",
    workloads: ["seq", "throughput"],
    pkg: "graphile-worker",
  },
};
for (const p of peers) if (!peerInfo[p]) throw new Error(`unknown peer ${p}: one of ${Object.keys(peerInfo).join(", ")}`);

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = createConnection({ host: hostname, port: Number(port), timeout: 1000 });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
    s.once("timeout", () => (s.destroy(), resolve(false)));
  });
}
const backendUp = { redis: await reachable(redisUrl), postgres: await reachable(postgresUrl.replace(/^postgres(ql)?:/, "http:")) };

/** Install a peer into bench/peers/<name> from its package.json (exact versions), if not there yet. */
function ensurePeer(peer) {
  const dir = join(benchDir, "peers", peer);
  const wanted = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies;
  const installed = Object.entries(wanted).every(([name, version]) => {
    const f = join(dir, "node_modules", name, "package.json");
    return existsSync(f) && JSON.parse(readFileSync(f, "utf8")).version === version;
  });
  if (!installed) {
    console.error(
      `installing ${peer} (${Object.entries(wanted)
        .map(([n, v]) => `${n}@${v}`)
        .join(" ")}) into bench/peers/${peer} …`,
    );
    execFileSync("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], {
      cwd: dir,
      stdio: ["ignore", "inherit", "inherit"],
    });
  }
  return Object.fromEntries(
    Object.keys(wanted).map((name) => [name, JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version]),
  );
}

// Every (workload, system) cell to measure, and what could not be run.
const cells = [];
const notRun = [];
const systemKey = (c) => `${c.system}|${c.store}|${c.mode}`;
for (const w of workloads) {
  if (w === "crash") {
    for (const store of stores) cells.push({ workload: w, system: "weft", store, mode: "http" });
  } else if (w === "fairness") {
    for (const store of stores) cells.push({ workload: w, system: "weft", store, mode: "queue" });
  } else {
    for (const store of storesOf(w)) for (const mode of modesOf(w, store)) cells.push({ workload: w, system: "weft", store, mode });
  }
  for (const p of peers)
    if (peerInfo[p].workloads.includes(w)) cells.push({ workload: w, system: p, store: peerInfo[p].store, mode: p === "restate" ? "http" : "in-process" });
}
const runnable = [];
const peerVersions = {};
for (const c of cells) {
  const needs = c.system === "weft" ? (c.store === "sqlite" ? [] : [c.store]) : peerInfo[c.system].needs;
  const down = needs.find((b) => !backendUp[b]);
  if (down) {
    notRun.push({ ...c, reason: `${down} not reachable at ${down === "redis" ? redisUrl : postgresUrl}` });
    continue;
  }
  if (c.system !== "weft" && !(c.system in peerVersions)) {
    try {
      peerVersions[c.system] = ensurePeer(c.system);
    } catch (e) {
      peerVersions[c.system] = { error: `install failed: ${e.message.split("\n")[0]}` };
    }
  }
  if (peerVersions[c.system]?.error) {
    notRun.push({ ...c, reason: peerVersions[c.system].error });
    continue;
  }
  runnable.push(c);
}

// --- running one case in a fresh process ---
function caseCommand(c, extraEnv = {}) {
  const params = JSON.stringify(c.params ?? counts[c.workload] ?? {});
  if (c.system === "weft") {
    if (c.workload === "crash") return { args: [join(benchDir, "lib", "weft-crash.mjs"), c.store, params] };
    if (c.workload === "fairness")
      return { args: [join(benchDir, "fairness", "run.mjs"), c.store], env: { NOISY: String(counts.fairness.noisy) }, parse: parseFairness };
    const workload = c.workload.startsWith("fanout") ? "fanout" : c.workload === "timers-spread" ? "timers" : c.workload;
    return { args: ["--expose-gc", join(benchDir, "lib", "weft-case.mjs"), workload, c.store, c.mode, params], env: extraEnv };
  }
  return {
    args: [join(benchDir, "peers", c.system, "case.mjs"), c.workload, params],
    cwd: join(benchDir, "peers", c.system),
    env: { RESTATE_LOGGING: "WARN" },
  };
}
function parseFairness(stdout, store) {
  const line = stdout.split("\n").find((l) => l.startsWith(store.padEnd(9)));
  if (!line) return { ok: false, error: `no result line in: ${stdout.slice(-500)}` };
  const n = line.match(/-?\d+(\.\d+)?/g).map(Number);
  return { ok: true, metrics: { flood_enqueue_ms: n[0], p50_ms: n[1], p99_ms: n[2], max_ms: n[3], dequeues_per_s: n[4], noisy: counts.fairness.noisy } };
}
function runCase(c, extraEnv) {
  const cmd = caseCommand(c, extraEnv);
  const load = os.loadavg()[0];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cmd.args, { cwd: cmd.cwd ?? root, env: { ...process.env, ...(cmd.env ?? {}) }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
    child.on("exit", (code, signal) => {
      clearTimeout(killer);
      let r;
      if (cmd.parse) r = code === 0 ? cmd.parse(out, c.store) : { ok: false, error: `exit ${code ?? signal}: ${err.slice(-500)}` };
      else {
        const line = out
          .split("\n")
          .filter((l) => l.startsWith("RESULT "))
          .at(-1);
        r = line ? JSON.parse(line.slice(7)) : { ok: false, error: `no result (exit ${code ?? signal}): ${(err || out).slice(-800)}` };
      }
      resolve({ ...r, load_1m: round(load, 2), wall_s: round((Date.now() - started) / 1000, 1) });
    });
  });
}

// --- render mode: rewrite docs/benchmarks.md from an existing results file, without measuring ---
if (values.render) {
  const rep = JSON.parse(readFileSync(values.out, "utf8"));
  const docs = join(root, "docs", "benchmarks.md");
  writeFileSync(docs, markdown(rep, existsSync(docs) ? readFileSync(docs, "utf8") : ""));
  console.error(`rendered docs/benchmarks.md from ${values.out}`);
  process.exit(0);
}

// --- profile mode ---
if (values.profile) {
  const dir = join(benchDir, "results", "profiles");
  mkdirSync(dir, { recursive: true });
  const out = { profiles: {}, scaling: { seq: [], fanout: [] } };
  const cases = [
    { name: "seq-sqlite-embedded", c: { workload: "seq", system: "weft", store: "sqlite", mode: "embedded" } },
    { name: "seq-sqlite-http", c: { workload: "seq", system: "weft", store: "sqlite", mode: "http" } },
    { name: "fanout300-sqlite-embedded", c: { workload: "fanout100", system: "weft", store: "sqlite", mode: "embedded", params: { n: 300 } } },
  ];
  for (const { name, c } of cases) {
    const file = join(dir, name);
    const r = await runCase(c, { WEFT_BENCH_PROFILE: file });
    out.profiles[name] = { result: r, engine: summarise(`${file}.engine.cpuprofile`, 25) };
    if (c.mode === "http") out.profiles[name].app = summarise(`${file}.app.cpuprofile`, 25);
    console.error(`profiled ${name}: ${JSON.stringify(r.metrics ?? r.error)}`);
  }
  // How the cost of a step grows with the run's length (the protocol replays every call).
  for (const steps of [10, 50, 100, 200, 400]) {
    const r = await runCase({ workload: "seq", system: "weft", store: "sqlite", mode: "embedded", params: { steps } });
    out.scaling.seq.push({ steps, ms_per_step: r.metrics?.ms_per_step, error: r.error });
    console.error(`seq ${steps} steps embedded/sqlite: ${r.metrics?.ms_per_step} ms/step`);
  }
  for (const n of [10, 100, 300]) {
    const r = await runCase({ workload: "fanout100", system: "weft", store: "sqlite", mode: "embedded", params: { n } });
    out.scaling.fanout.push({ n, total_ms: r.metrics?.total_ms, ms_per_step: r.metrics?.ms_per_step, error: r.error });
    console.error(`fan-out ${n} embedded/sqlite: ${r.metrics?.total_ms} ms`);
  }
  writeFileSync(
    join(benchDir, "results", "profile.json"),
    `${JSON.stringify({ at: new Date().toISOString(), command: `npm run bench -- ${argv.join(" ")}`, load_1m: os.loadavg()[0], ...out }, null, 2)}\n`,
  );
  console.error(`wrote bench/results/profile.json (raw .cpuprofile files in ${dir}, open them in Chrome DevTools)`);
  process.exit(0);
}

// The report this run replaces: issue 19's goals fall back on its Restate rows (labelled as such)
// when this run has none.
let previousReport;
try {
  previousReport = existsSync(values.out) ? JSON.parse(readFileSync(values.out, "utf8")) : undefined;
} catch {}

// --- the run: repeats outermost, systems alternating within each workload ---
const startedAt = new Date();
const t0 = Date.now();
// Before any cell: the machine's load from work other than this benchmark (in the last minute).
const loadBeforeRun = round(os.loadavg()[0], 2);
const samples = new Map(); // key → [result]
const cellKey = (c) => `${c.workload}|${systemKey(c)}`;
console.error(`${runnable.length} cells; repeats ${workloads.map((w) => `${w}×${repeatOf(w)}`).join(" ")}; ${notRun.length} not run`);
const maxRepeat = Math.max(...workloads.map(repeatOf));
for (let rep = 0; rep < maxRepeat; rep++) {
  for (const w of workloads) {
    if (rep >= repeatOf(w)) continue;
    const group = runnable.filter((c) => c.workload === w);
    // Rotate the order each repeat so no system always runs first (or right after a heavy one).
    const order = group.map((_, i) => group[(i + rep) % group.length]);
    for (const c of order) {
      const r = await runCase(c);
      if (!samples.has(cellKey(c))) samples.set(cellKey(c), []);
      samples.get(cellKey(c)).push(r);
      // Partial results as we go, so an interrupted run still leaves its data behind.
      mkdirSync(join(benchDir, "results", "tmp"), { recursive: true });
      writeFileSync(join(benchDir, "results", "tmp", "partial.json"), JSON.stringify({ command: argv, samples: Object.fromEntries(samples) }, null, 1));
      const info = workloadInfo[w];
      console.error(
        `[${rep + 1}/${repeatOf(w)}] ${w.padEnd(10)} ${c.system}/${c.store}/${c.mode}`.padEnd(58) +
          (r.ok ? `${info.metric}=${r.metrics[info.metric]}` : `FAILED: ${r.error.slice(0, 200)}`) +
          `  (${r.wall_s} s, load ${r.load_1m})`,
      );
    }
  }
}
const elapsedS = Math.round((Date.now() - t0) / 1000);

// --- aggregate ---
const rows = [];
for (const c of runnable) {
  const rs = samples.get(cellKey(c)) ?? [];
  const ok = rs.filter((r) => r.ok);
  const metricNames = [...new Set(ok.flatMap((r) => Object.keys(r.metrics)))];
  const metrics = {};
  for (const m of metricNames) {
    const xs = ok.map((r) => r.metrics[m]).filter((x) => typeof x === "number");
    if (xs.length) metrics[m] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
    else metrics[m] = { value: ok[0].metrics[m] };
  }
  rows.push({
    ...c,
    durability: c.system === "weft" ? durability[c.store] + (c.mode === "queue" ? " (queue only)" : "") : peerInfo[c.system].durability,
    runs_ok: ok.length,
    runs_failed: rs.length - ok.length,
    errors: rs.filter((r) => !r.ok).map((r) => r.error),
    metrics,
    samples: rs,
  });
}
const rowOf = (t) => rows.find((r) => r.workload === t.workload && r.system === "weft" && r.store === t.store && r.mode === t.mode);
const goals = targets
  .filter((t) => workloads.includes(t.workload) && stores.includes(t.store) && modes.includes(t.mode))
  .map((t) => {
    const r = rowOf(t);
    const m = r?.metrics[t.metric];
    if (!r || !m || m.median === undefined)
      return {
        ...t,
        measured: null,
        met: null,
        note: r
          ? `failed: ${r.errors[0] ?? "no data"}`
          : (notRun.find((n) => n.workload === t.workload && n.store === t.store && n.mode === t.mode)?.reason ?? "not run"),
      };
    const met = t.op === "<=" ? m.median <= t.value : m.median >= t.value;
    return { ...t, measured: m.median, spread: [m.min, m.max], met };
  });

// --- facts ---
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
};
const weftVersions = {};
// inngest's package.json is not in its exports map: read it from node_modules.
try {
  weftVersions.inngest = JSON.parse(readFileSync(join(root, "node_modules", "inngest", "package.json"), "utf8")).version;
} catch {}
for (const p of ["engine", "server", "embedded", "sdk", "store-sqlite", "store-redis", "store-postgres"])
  weftVersions[`@weft/${p}`] = JSON.parse(readFileSync(join(root, "packages", p, "package.json"), "utf8")).version;
const gitCommit = sh("git", ["rev-parse", "--short", "HEAD"]);
const gitDirty = (sh("git", ["status", "--porcelain", "--", "packages"]) ?? "").length > 0;
const backendVersions = {};
try {
  const { default: Database } = await import("better-sqlite3");
  backendVersions.sqlite = new Database(":memory:").prepare("select sqlite_version() v").get().v;
} catch {}
if (backendUp.postgres) {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: postgresUrl });
  await c.connect();
  backendVersions.postgres = (await c.query("show server_version")).rows[0].server_version;
  backendVersions.postgres_fsync = (await c.query("show fsync")).rows[0].fsync;
  backendVersions.postgres_synchronous_commit = (await c.query("show synchronous_commit")).rows[0].synchronous_commit;
  await c.end();
}
if (backendUp.redis) {
  const { Redis } = await import("ioredis");
  const r = new Redis(redisUrl);
  backendVersions.redis = /redis_version:(\S+)/.exec(await r.info("server"))?.[1];
  backendVersions.redis_appendonly = (await r.config("GET", "appendonly"))[1];
  backendVersions.redis_save = (await r.config("GET", "save"))[1] || "(none)";
  r.disconnect();
}
const loads = [...samples.values()].flat().map((r) => r.load_1m);
const machine = {
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model,
  total_mem_gb: round(os.totalmem() / 2 ** 30, 1),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  load_1m_before_run: loadBeforeRun,
  load_1m_during_run: loads.length ? { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) } : undefined,
};
const command = `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
const report = {
  command,
  workloads,
  big,
  started_at: startedAt.toISOString(),
  elapsed_s: elapsedS,
  repeat: Object.fromEntries(workloads.map((w) => [w, repeatOf(w)])),
  counts,
  machine,
  versions: {
    weft: { ...weftVersions, git: `${gitCommit}${gitDirty ? " (uncommitted changes under packages/)" : ""}` },
    peers: peerVersions,
    backends: backendVersions,
  },
  setup: {
    weft_embedded: "@weft/embedded createEngine in the measuring process: in-process driver, no HTTP; engine concurrency 32 (default)",
    weft_http:
      "startWeftServer in the measuring process; the app (@weft/sdk serve on node:http) in a child process; events to POST /e over loopback HTTP; engine concurrency 32 (default)",
    weft_http_inngest: `as weft http, but the app is the same functions on the official \`inngest\` SDK ${weftVersions.inngest ?? "4.x"} (inngest/express serve, checkpointing at its default), isDev (unsigned, as against \`weft dev\`)`,
    redis_store: "--state on Redis (run state, pauses, queue), --db on SQLite (history)",
    crash:
      "the built CLI (`weft dev --lease 2s`) as a child process, the app in the measuring process; kill -9 once half the steps ran, restart on the same store",
    peers:
      "BullMQ and graphile-worker run plain jobs (no durable steps); Restate and DBOS run durable steps (ctx.run / DBOS.runStep); Restate's fan-out is n ctx.run joined with RestatePromise.all in one invocation",
  },
  reference_peers: reference,
  goals,
  rows,
  not_run: notRun,
};
report.issue19 = issue19Goals(report, previousReport);
// --no-write leaves the committed results alone: the raw data goes only to an --out named on the command line.
if (!values["no-write"] || argv.some((a) => a === "--out" || a.startsWith("--out="))) {
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${values.out} (${elapsedS} s)`);
} else console.log(JSON.stringify(report, null, 2));
if (!values["no-write"]) {
  const docs = join(root, "docs", "benchmarks.md");
  writeFileSync(docs, markdown(report, existsSync(docs) ? readFileSync(docs, "utf8") : ""));
  console.error(`wrote docs/benchmarks.md`);
}

// --- Markdown ---
function fmt(x) {
  if (typeof x !== "number") return String(x ?? "");
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return x.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
function cellText(m) {
  if (!m) return "—";
  if (m.median === undefined) return String(m.value);
  return m.n > 1 ? `**${fmt(m.median)}** (${fmt(m.min)}–${fmt(m.max)})` : `**${fmt(m.median)}** (1 run)`;
}
function durabilityOf(r) {
  const shortDurability = {
    sqlite: "SQLite WAL, synchronous=NORMAL",
    redis: "Redis without AOF/RDB: **not durable across a Redis restart** (history: SQLite)",
    postgres: "Postgres fsync=on, synchronous_commit=on",
    bullmq: "Redis without AOF/RDB: **not durable across a Redis restart**; jobs, not durable steps",
    restate: "Restate default: RocksDB WAL fsync on",
    dbos: "Postgres fsync=on, synchronous_commit=on",
    "graphile-worker": "Postgres fsync=on, synchronous_commit=on; jobs, not durable steps",
  };
  return r.system === "weft" ? shortDurability[r.store] + (r.mode === "queue" ? " (queue only)" : "") : shortDurability[r.system];
}
/** Headline ratios: Weft's durable rows against each peer, for sequential steps and throughput. */
function headlines(rep) {
  const get = (w, system, store, mode, metric) =>
    rep.rows.find((r) => r.workload === w && r.system === system && (store === undefined || r.store === store) && (mode === undefined || r.mode === mode))
      ?.metrics[metric]?.median;
  const out = [];
  const weftSeq = [
    ["SQLite over HTTP", "sqlite", "http"],
    ["SQLite over HTTP, official inngest SDK", "sqlite", "http-inngest"],
    ["SQLite embedded", "sqlite", "embedded"],
  ];
  const weftThr = [
    ["SQLite over HTTP", "sqlite", "http"],
    ["SQLite over HTTP, official inngest SDK", "sqlite", "http-inngest"],
    ["Redis over HTTP", "redis", "http"],
    ["SQLite embedded", "sqlite", "embedded"],
  ];
  const peerList = ["restate", "dbos", "bullmq", "graphile-worker"];
  for (const [label, store, mode] of weftSeq) {
    const w = get("seq", "weft", store, mode, "ms_per_step");
    if (w === undefined) continue;
    const parts = peerList
      .map((p) => [p, get("seq", p, undefined, undefined, "ms_per_step")])
      .filter(([, x]) => x !== undefined)
      .map(([p, x]) => `${peerInfo[p].name} ${fmt(x)} ms (Weft ${w <= x ? `${fmt(x / w)}× faster` : `${fmt(w / x)}× slower`})`);
    out.push(`Sequential steps, Weft ${label}: ${fmt(w)} ms/step${parts.length ? ` — ${parts.join("; ")}` : ""}.`);
  }
  for (const [label, store, mode] of weftThr) {
    const w = get("throughput", "weft", store, mode, "steps_per_s");
    if (w === undefined) continue;
    const parts = peerList
      .map((p) => [p, get("throughput", p, undefined, undefined, "steps_per_s")])
      .filter(([, x]) => x !== undefined)
      .map(([p, x]) => `${peerInfo[p].name} ${fmt(x)} (Weft ${w >= x ? `${fmt(w / x)}× as many` : `${fmt(x / w)}× fewer`})`);
    out.push(`Throughput, Weft ${label}: ${fmt(w)} steps/s${parts.length ? ` — ${parts.join("; ")}` : ""}.`);
  }
  return out;
}
function markdown(rep, previous) {
  const workloads = rep.workloads ?? [...new Set([...rep.rows, ...rep.not_run].map((r) => r.workload))];
  const big = rep.big ?? false;
  const peers = Object.keys(rep.versions.peers ?? {});
  const keepMarker = "<!-- Everything below this line is written by hand; bench/run.mjs keeps it. -->";
  const kept = previous.includes(keepMarker) ? previous.slice(previous.indexOf(keepMarker)) : `${keepMarker}\n`;
  const L = [];
  L.push("# Benchmarks", "");
  L.push(
    `Produced by \`${rep.command}\` (after \`npm run build\`) on ${rep.started_at.slice(0, 16).replace("T", " ")} UTC, ${rep.elapsed_s} s, each cell repeated ${
      [...new Set(Object.values(rep.repeat))].length === 1
        ? `${Object.values(rep.repeat)[0]}×`
        : `as listed (${Object.entries(rep.repeat)
            .map(([w, n]) => `${w} ${n}×`)
            .join(", ")})`
    }; systems alternate within each repeat and every measurement runs in a fresh process. Numbers are **median (min–max)** over the repeats. Raw data: [\`bench/results/latest.json\`](../bench/results/latest.json).`,
    "",
  );
  const m = rep.machine;
  L.push(
    `**Machine:** ${m.cpus} × ${m.cpu_model}, ${m.total_mem_gb} GB RAM, ${m.os}, Node ${m.node}. Load average (1 min) before the run: ${m.load_1m_before_run}${(m.load_1m_before_run ?? 0) > 1 ? " — **other work was running when the run started, so absolute numbers are pessimistic; compare systems within the run**" : " (an idle machine)"}. At the start of each measurement: median ${m.load_1m_during_run?.median}, min ${m.load_1m_during_run?.min}, max ${m.load_1m_during_run?.max}; a one-minute average, so it counts the benchmark's own previous cells (each keeps both cores busy).`,
    "",
  );
  const v = rep.versions;
  L.push(
    `**Versions:** Weft ${v.weft["@weft/engine"]} (git ${v.weft.git}); ${Object.entries(v.peers)
      .map(
        ([p, pv]) =>
          `${peerInfo[p].name} ${
            pv.error
              ? `(${pv.error})`
              : Object.entries(pv)
                  .map(([n, x]) => `${n}@${x}`)
                  .join(", ")
          }`,
      )
      .join(
        "; ",
      )}; SQLite ${v.backends.sqlite ?? "?"}, PostgreSQL ${v.backends.postgres ?? "not reachable"} (fsync=${v.backends.postgres_fsync}, synchronous_commit=${v.backends.postgres_synchronous_commit}), Redis ${v.backends.redis ?? "not reachable"} (appendonly=${v.backends.redis_appendonly}, save=${v.backends.redis_save}).`,
    "",
  );
  L.push(
    `**Counts used:** ${Object.entries(rep.counts)
      .filter(([w]) => workloads.includes(w) || (w === "fanout10" && workloads.some((x) => x.startsWith("fanout"))))
      .map(([w, c]) => `${w} ${JSON.stringify(c)}`)
      .join(
        "; ",
      )}.${big ? "" : " These are the defaults, smaller than the issue's for waits/timers/burst so a full run fits in ~10 minutes; `--big` uses 10,000 waits and timers, a 100,000-event burst and 100,000 noisy items."}`,
    "",
  );
  L.push("**Setup:**", "");
  for (const [k, s] of Object.entries(rep.setup)) L.push(`- ${k.replace(/_/g, " ")}: ${s}`);
  L.push("");

  L.push(
    "**Durability of each row:** Weft on SQLite: WAL with synchronous=NORMAL (a committed step survives a process crash; an OS crash may lose the last commits). Weft on Redis: run state, pauses and queue in Redis, which on this machine runs with appendonly=no and no RDB snapshots, so it is **not durable across a Redis restart**; history stays in SQLite. Weft, DBOS and graphile-worker on Postgres: fsync=on, synchronous_commit=on. Restate: single node, default config (RocksDB WAL fsync on). BullMQ: the same Redis, not durable across a Redis restart.",
    "",
  );
  L.push("## Goals", "");
  L.push("| goal | measured (median, min–max) | goal met? |", "|---|---|---|");
  for (const g of rep.goals) {
    const measured =
      g.measured === null
        ? `not measured: ${g.note}`
        : g.spread[0] === g.spread[1]
          ? `${fmt(g.measured)} (1 run)`
          : `${fmt(g.measured)} (${fmt(g.spread[0])}–${fmt(g.spread[1])})`;
    L.push(`| ${g.text} | ${measured} | ${g.met === null ? "not measured" : g.met ? "yes" : "**no**"} |`);
  }
  L.push("");
  const met = rep.goals.filter((g) => g.met === true).length;
  L.push(
    `**${met} of ${rep.goals.length} goals met.** Single-run cells show "(1 run)": by default the heavy workloads run once (\`--repeat 3\` repeats every workload).`,
    "",
  );
  const heads = headlines(rep);
  if (heads.length) {
    L.push("**Headline ratios** (medians of this run, same machine, alternating):", "");
    for (const h of heads) L.push(`- ${h}`);
    L.push("");
  }
  if (rep.issue19) L.push(...issue19Markdown(rep));
  L.push(`Peers measured earlier on this machine class (the issue): ${Object.values(rep.reference_peers).join("; ")}.`, "");

  L.push("## Results", "");
  const sysName = (r) => (r.system === "weft" ? "Weft" : peerInfo[r.system].name);
  for (const w of workloads) {
    const info = workloadInfo[w];
    const rs = rep.rows.filter((r) => r.workload === w);
    const nr = rep.not_run.filter((r) => r.workload === w);
    if (!rs.length && !nr.length) continue;
    L.push(`### ${info.title}`, "");
    const also = info.also ?? [];
    L.push(
      `| system | store | mode | ${info.unit} (${info.better} is better) | ${also.map((a) => a.replace(/_/g, " ")).join(" | ")}${also.length ? " | " : ""}durability |`,
    );
    L.push(`|---|---|---|---|${also.map(() => "---|").join("")}---|`);
    for (const r of rs) {
      const main =
        r.runs_ok === 0
          ? `failed: ${(r.errors[0] ?? "").slice(0, 160)}`
          : cellText(r.metrics[info.metric]) +
            (r.runs_failed ? ` (${r.runs_failed} of ${r.runs_ok + r.runs_failed} runs failed: ${(r.errors[0] ?? "").slice(0, 120)})` : "");
      L.push(
        `| ${sysName(r)} | ${r.store} | ${r.mode} | ${main} | ${also.map((a) => cellText(r.metrics[a])).join(" | ")}${also.length ? " | " : ""}${durabilityOf(r)} |`,
      );
    }
    for (const r of nr)
      L.push(
        `| ${r.system === "weft" ? "Weft" : peerInfo[r.system].name} | ${r.store} | ${r.mode} | not run: ${r.reason} | ${also.map(() => "").join(" | ")}${also.length ? " | " : ""} |`,
      );
    L.push("");
  }
  const missingPeerWork = peers.length
    ? `Peers run only sequential steps and throughput (Restate also fan-out 10 and 100): the other workloads have no like-for-like API in every peer (BullMQ and graphile-worker have no durable steps, waits or timers of runs), so their cells are not run rather than approximated.`
    : "";
  if (missingPeerWork) L.push(missingPeerWork, "");
  L.push(kept.trimEnd(), "");
  return L.join("\n");
}

/** Issue 19's goals: Weft (each SDK, and embedded) against Restate in the same run. */
function issue19Markdown(rep) {
  const L = ["## Issue 19 goals (Speed II: ahead of Restate)", ""];
  L.push(
    `Mode \`http\` is an app on \`@weft/sdk\`, mode \`http-inngest\` the same functions on the official \`inngest\` SDK ${rep.versions.weft.inngest ?? "4.x"}; both over HTTP against Weft on SQLite. Load average (1 min) before the run: ${rep.machine.load_1m_before_run}.`,
    "",
  );
  L.push("| SDK | goal | Weft | Restate | Weft vs Restate | goal met? |", "|---|---|---|---|---|---|");
  const fig = (m) => (m ? (m.n > 1 ? `${fmt(m.median)} (${fmt(m.min)}–${fmt(m.max)})` : `${fmt(m.median)} (1 run)`) : "—");
  for (const g of rep.issue19) {
    const restate = g.restate
      ? `${fig(g.restate)}${g.restate_from === "this run" ? "" : ` — **from ${g.restate_from}**`}`
      : g.limit !== undefined
        ? `(limit ${fmt(g.limit)})`
        : "—";
    const vs = g.advantage === undefined ? "" : g.advantage >= 1 ? `${fmt(g.advantage)}× better` : `${fmt(1 / g.advantage)}× worse`;
    const met = g.met === null ? `not measured: ${g.note}` : g.met ? "yes" : "**no**";
    L.push(`| ${g.sdk} | ${g.text} | ${fig(g.measured)} | ${restate} | ${vs} | ${met} |`);
  }
  L.push("");
  const met = rep.issue19.filter((g) => g.met === true).length;
  const measured = rep.issue19.filter((g) => g.met !== null).length;
  L.push(`**${met} of ${rep.issue19.length} issue-19 goals met** (${measured} measured in this run).`, "");
  return L;
}
