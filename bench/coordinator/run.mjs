// The coordinator bench: 32 engine-like worker processes on Postgres, once connecting directly and
// once through one coordinator (--pool 8), the same fan-out workload on the store interfaces, and
// for each: the peak number of server-side connections (pg_stat_activity) and steps per second.
// A third run kills the coordinator (SIGKILL) half way and starts it again on the same port, then
// checks that every enqueued step was saved and the queue is empty.
//
//   npm run build && node bench/coordinator/run.mjs [--workers 32] [--loops 2] [--duration 8] [--rounds 2] [--pool 8]
//     [--modes direct,coordinator,kill] (also: coordinator-nice, coordinator-unbatched) [--no-write]
//
// Postgres: WEFT_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test); each mode uses
// a fresh schema, dropped at the end. Writes bench/coordinator/RESULTS.md unless --no-write.
import { fork, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { createPostgresStores, migrate } from "../../packages/store-postgres/dist/index.js";

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "32" },
    duration: { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
    loops: { type: "string", default: "2" },
    pool: { type: "string", default: "8" },
    modes: { type: "string", default: "direct,coordinator,kill" },
    port: { type: "string", default: "7390" },
    "no-write": { type: "boolean", default: false },
  },
});
const postgresUrl = process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const workers = Number(values.workers);
const durationMs = Number(values.duration) * 1_000;
const loops = Number(values.loops);
const pool = Number(values.pool);
const port = Number(values.port);
const token = "bench-token";
// Workers and coordinators connect under their own application_name, so the sampler can tell this
// bench's connections from whatever else uses the database (another bench, a test run).
const appName = `weft-bench-${process.pid}`;
const taggedUrl = withParam(postgresUrl, "application_name", appName);
// The machine may be shared, so the throughput modes run interleaved, `rounds` times each, and are
// compared by their means; the kill run (about nothing being lost, not speed) runs once, last.
const listed = values.modes.split(",");
const rounds = Number(values.rounds);
const modes = [...Array.from({ length: rounds }, () => listed.filter((m) => m !== "kill")).flat(), ...listed.filter((m) => m === "kill")];
/**
 * `coordinator-nice` runs the coordinator at nice -10. On this bench's one small machine, 32 busy
 * workers and Postgres share the cores with it, and the kernel gives the one process that serves
 * every call the same share as each worker; a deployment gives the coordinator its own cores.
 */
const coordinatorNice = -10;

const admin = new pg.Client({ connectionString: postgresUrl });
await admin.connect();
const server = (await admin.query("SELECT version() AS v, current_setting('max_connections') AS max")).rows[0];

const results = [];
for (const [i, mode] of modes.entries()) {
  console.error(`\n== ${i + 1}/${modes.length} ${mode}: ${workers} workers × ${loops} loops, ${durationMs / 1000} s`);
  results.push(await runMode(mode));
}
await admin.end();

printTable(results);
if (!values["no-write"]) writeResults(results);

async function runMode(mode) {
  const loadBefore = os.loadavg()[0];
  const schema = `weft_bench_${process.pid}_${mode.replaceAll("-", "_")}`;
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await migrate(postgresUrl, { schema });
  const baseline = (await connections()).total;
  const sampler = startSampler();

  let coordinator;
  const nice = mode === "coordinator-nice" ? coordinatorNice : 0;
  // `coordinator-unbatched`: every lease call is its own backend call (to see what batching buys).
  const extra = mode === "coordinator-unbatched" ? ["--no-lease-batching"] : [];
  if (mode !== "direct") coordinator = await startCoordinatorProcess(schema, nice, extra);
  const remote = `weft://127.0.0.1:${port}`;
  const children = Array.from({ length: workers }, (_, i) =>
    fork(
      here("./worker.mjs"),
      [
        `--id=${i}`,
        `--mode=${mode === "direct" ? "direct" : "remote"}`,
        `--postgres=${taggedUrl}`,
        `--schema=${schema}`,
        `--remote=${remote}`,
        `--token=${token}`,
        `--loops=${loops}`,
      ],
      { stdio: ["ignore", "inherit", "inherit", "ipc"] },
    ),
  );
  const done = children.map((child) => message(child, "done"));
  await Promise.all(children.map((child) => message(child, "ready")));

  const startAt = Date.now() + 300;
  const endAt = startAt + durationMs;
  for (const child of children) child.send({ go: { startAt, endAt, drainUntil: endAt + 30_000 } });
  sampler.window(startAt, endAt);

  let restart;
  if (mode === "kill") {
    await sleep(startAt + durationMs / 2 - Date.now());
    const killedAt = Date.now();
    coordinator.child.kill("SIGKILL");
    await new Promise((resolve) => coordinator.child.once("exit", resolve));
    coordinator = await startCoordinatorProcess(schema, nice);
    restart = { downMs: Date.now() - killedAt };
    console.error(`   coordinator killed (SIGKILL) at +${killedAt - startAt} ms and serving again after ${restart.downMs} ms`);
  }

  const reports = await Promise.all(done);
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once("exit", r)) : undefined)));
  let coordinatorReport;
  if (coordinator !== undefined) coordinatorReport = await stopCoordinatorProcess(coordinator);
  const peaks = await sampler.stop();

  const check = await verify(schema, reports);
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const sum = (key) => reports.reduce((n, r) => n + r[key], 0);
  const result = {
    mode,
    baseline,
    peak: peaks.peak,
    peakInWindow: peaks.peakInWindow,
    peakTotal: peaks.peakTotal,
    stepsInWindow: sum("stepsInWindow"),
    stepsPerSecond: Math.round(sum("stepsInWindow") / (durationMs / 1000)),
    retries: sum("retries"),
    duplicates: sum("duplicates"),
    // Mean milliseconds per call of each kind, as the workers saw them (window and drain).
    latency: Object.fromEntries(
      Object.keys(reports[0].timing).map((op) => {
        const [ms, n] = reports.reduce(([t, c], r) => [t + r.timing[op][0], c + r.timing[op][1]], [0, 0]);
        return [op, n === 0 ? 0 : Number((ms / n).toFixed(1))];
      }),
    ),
    restart,
    coordinator: coordinatorReport,
    load: [loadBefore, os.loadavg()[0]].map((n) => n.toFixed(1)).join(" → "),
    ...check,
  };
  console.error(`   ${JSON.stringify(result)}`);
  return result;
}

/** Every enqueued step saved, the queue empty: nothing lost, whatever happened to the coordinator. */
async function verify(schema, reports) {
  const { history, ...stores } = createPostgresStores(postgresUrl, { schema, poolSize: 4 });
  await history.close();
  await Promise.all([stores.state.init(), stores.queue.init()]);
  const runs = reports.flatMap((r) => Object.entries(r.runs));
  let missing = 0;
  for (let i = 0; i < runs.length; i += 32) {
    const batch = runs.slice(i, i + 32);
    const states = await Promise.all(batch.map(([runId]) => stores.state.loadRun(runId)));
    batch.forEach(([, enqueued], j) => {
      missing += Math.max(0, enqueued - (states[j]?.steps.size ?? 0));
    });
  }
  const queueLeft = await stores.queue.size();
  await Promise.all([stores.state.close(), stores.pauses.close(), stores.queue.close(), stores.flow?.close()]);
  return { runs: runs.length, stepsEnqueued: runs.reduce((n, [, k]) => n + k, 0), stepsMissing: missing, queueLeft };
}

/** Connections to this database: all of them (the brief's query), and this bench's own. */
async function connections() {
  const { rows } = await admin.query(
    `SELECT count(*)::int AS total, (count(*) FILTER (WHERE application_name = $1))::int AS ours
     FROM pg_stat_activity WHERE datname = current_database()`,
    [appName],
  );
  return rows[0];
}

/** Sample every 100 ms; the peaks overall (startup and drain included) and within the measured window. */
function startSampler() {
  const peaks = { peak: 0, peakInWindow: 0, peakTotal: 0 };
  let window = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const { total, ours } = await connections();
      peaks.peak = Math.max(peaks.peak, ours);
      peaks.peakTotal = Math.max(peaks.peakTotal, total);
      if (at >= window[0] && at <= window[1]) peaks.peakInWindow = Math.max(peaks.peakInWindow, ours);
      await sleep(100 - (Date.now() - at));
    }
  })();
  return {
    window: (from, to) => {
      window = [from, to];
    },
    stop: () => {
      running = false;
      return loop.then(() => peaks);
    },
  };
}

function withParam(url, name, value) {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

async function startCoordinatorProcess(schema, nice = 0, extra = []) {
  const child = spawn(
    process.execPath,
    [here("./coordinator.mjs"), `--state=${taggedUrl}`, `--schema=${schema}`, `--listen=127.0.0.1:${port}`, `--pool=${pool}`, `--token=${token}`, ...extra],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise((resolve) => lines.once("line", (line) => resolve(JSON.parse(line))));
  const first = await next();
  if (first.listening === undefined) throw new Error(`coordinator said ${JSON.stringify(first)}`);
  if (nice !== 0) os.setPriority(child.pid, nice);
  return { child, next };
}

async function stopCoordinatorProcess({ child, next }) {
  const report = next();
  child.kill("SIGTERM");
  const { health, cpuMs } = await report;
  await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve()));
  return { calls: health.calls, errors: health.errors, peakInFlight: health.peakInFlight, mergedLeases: health.mergedLeases, methods: health.methods, cpuMs };
}

function message(child, key) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m[key] === undefined) return;
      child.off("message", onMessage);
      resolve(m[key]);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`worker exited (${code}) before "${key}"`)));
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function rows(list) {
  const direct = summary(list).find((r) => r.mode === "direct");
  return list.map((r) => ({
    mode: {
      direct: "direct",
      coordinator: `coordinator --pool ${pool}`,
      "coordinator-nice": `coordinator --pool ${pool}, at nice ${coordinatorNice}`,
      "coordinator-unbatched": `coordinator --pool ${pool}, no lease batching`,
      kill: `coordinator --pool ${pool}, SIGKILL + restart mid-run`,
    }[r.mode],
    peak: r.peak,
    peakTotal: r.peakTotal,
    stepsPerSecond: r.stepsPerSecond,
    vsDirect: direct === undefined || r.mode === "direct" ? "" : `${Math.round((r.stepsPerSecond / direct.meanStepsPerSecond) * 100)}%`,
    lost: `${r.stepsMissing} missing, queue ${r.queueLeft}`,
    retries: r.retries,
    duplicates: r.duplicates,
    load: r.load,
  }));
}

/** Per throughput mode: mean steps/s and the highest peak over its rounds; and each against direct. */
function summary(list) {
  const byMode = new Map();
  for (const r of list.filter((r) => r.mode !== "kill")) byMode.set(r.mode, [...(byMode.get(r.mode) ?? []), r]);
  const mean = (rs) => Math.round(rs.reduce((n, r) => n + r.stepsPerSecond, 0) / rs.length);
  const direct = byMode.has("direct") ? mean(byMode.get("direct")) : undefined;
  return [...byMode].map(([mode, rs]) => ({
    mode,
    rounds: rs.map((r) => r.stepsPerSecond).join(", "),
    meanStepsPerSecond: mean(rs),
    vsDirect: direct === undefined ? "" : `${Math.round((mean(rs) / direct) * 100)}%`,
    peakConnections: Math.max(...rs.map((r) => r.peak)),
  }));
}

function printTable(list) {
  console.log("");
  console.table(rows(list));
  console.table(summary(list));
}

function writeResults(list) {
  const cpus = os.cpus();
  const md = (header, align, body) =>
    [`| ${header.join(" | ")} |`, `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`, ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const summaryTable = md(
    ["mode", "steps/s per round", "mean steps/s", "vs direct", "peak connections (bench)"],
    ["l", "l", "r", "r", "r"],
    summary(list).map((r) => [r.mode, r.rounds, r.meanStepsPerSecond, r.vsDirect, r.peakConnections]),
  );
  const runTable = md(
    ["#", "mode", "peak connections (bench)", "peak connections (database)", "steps/s", "vs direct", "lost", "retried calls", "redelivered steps", "load avg"],
    ["r", "l", "r", "r", "r", "r", "l", "r", "r", "l"],
    rows(list).map((r, i) => [i + 1, r.mode, r.peak, r.peakTotal, r.stepsPerSecond, r.vsDirect, r.lost, r.retries, r.duplicates, r.load]),
  );
  const ops = Object.keys(list[0]?.latency ?? {});
  const latencyTable = md(
    ["#", "mode", ...ops.map((op) => `${op} ms`)],
    ["r", "l", ...ops.map(() => "r")],
    list.map((r, i) => [i + 1, r.mode, ...ops.map((op) => r.latency[op])]),
  );
  const coordinated = list.map((r, i) => [i + 1, r]).filter(([, r]) => r.coordinator !== undefined);
  const methods = [...new Set(coordinated.flatMap(([, r]) => Object.keys(r.coordinator.methods)))].sort();
  const backendTable = md(
    ["#", "calls", "merged leases", "CPU ms", ...methods.map((m) => `${m} wait / backend ms`)],
    ["r", "r", "r", "r", ...methods.map(() => "r")],
    coordinated.map(([i, r]) => [
      i,
      r.coordinator.calls,
      r.coordinator.mergedLeases,
      r.coordinator.cpuMs,
      ...methods.map((m) => {
        const s = r.coordinator.methods[m];
        return s === undefined ? "" : `${s.meanWaitMs} / ${s.meanBackendMs}`;
      }),
    ]),
  );
  const kills = list.filter((r) => r.restart !== undefined).map((r) => `down ${r.restart.downMs} ms`);
  const text = `# Coordinator bench: results

Written by \`bench/coordinator/run.mjs\` on ${new Date().toISOString()}; what it measures and how to read it: README.md.

Command: \`${["node bench/coordinator/run.mjs", ...process.argv.slice(2)].join(" ")}\`
(--workers ${workers} --loops ${loops} --duration ${durationMs / 1000} --rounds ${rounds} --pool ${pool})

Machine: ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()};
Node ${process.version}; ${server.v.split(",")[0]} (max_connections ${server.max}) on the same machine.

## Summary

${summaryTable}

## Every run

${runTable}

"bench" connections are this bench's workers and coordinator (by \`application_name\`); "database"
is \`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()\`, the sampler's own
connection and anyone else's included. Both are peaks of samples every 100 ms over the whole run
(start, window and drain). "lost" counts enqueued steps not saved, and jobs left in the queue,
after the drain. "load avg" is the 1-minute load average before → after the run.${kills.length > 0 ? ` Kill run: SIGKILL half way, ${kills.join(", ")} until the new coordinator served.` : ""}

## Latency per call, as the workers saw it (mean ms)

${latencyTable}

## Inside the coordinator (mean ms waiting for one of the ${pool} backend slots / running on Postgres)

${backendTable}
`;
  writeFileSync(here("./RESULTS.md"), text);
  console.error(`wrote ${here("./RESULTS.md")}`);
}
