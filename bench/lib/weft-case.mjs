// One Weft measurement in a fresh process: a workload on one store in one mode.
//   node bench/lib/weft-case.mjs <workload> <sqlite|redis|postgres> <embedded|http|http-inngest> '<params json>'
// Embedded: @weft/embedded's createEngine in this process (in-process driver, no HTTP).
// HTTP: startWeftServer in this process, the app (@weft/sdk `serve` on node:http) in a child
// process, events sent to POST /e over loopback HTTP. http-inngest: the same, but the app is
// written on the official `inngest` SDK 4.x (bench/lib/inngest-app.mjs). Prints `RESULT {json}`.
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEngine } from "@weft/embedded";
import { silentLogger } from "@weft/engine";
import { Weft } from "@weft/sdk";
import { closeStores, openStores, startWeftServer } from "@weft/server";
import { Agent, request } from "undici";
import { benchFunctions, now } from "./functions.mjs";
import { startProfile } from "./profiler.mjs";
import { emit, measureSeq, percentile, round, sleep } from "./stats.mjs";
import { storeConfig } from "./stores.mjs";

const [workload, store, mode, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const timeoutMs = params.timeoutMs ?? 120_000;

// --- observation: wrap the stores so the bench sees runs end, pauses parked and timers queued ---
const ended = { count: 0, waiters: [] };
const parked = { pauses: 0, wakes: 0 };
function observe(stores) {
  const history = stores.history;
  const updateRun = history.updateRun.bind(history);
  history.updateRun = async (runId, patch) => {
    await updateRun(runId, patch);
    if (patch.status && patch.status !== "Running") {
      ended.count++;
      for (const w of ended.waiters.splice(0)) w();
    }
  };
  const savePause = stores.pauses.savePause.bind(stores.pauses);
  stores.pauses.savePause = async (p) => {
    await savePause(p);
    parked.pauses++;
  };
  const enqueue = stores.queue.enqueue.bind(stores.queue);
  stores.queue.enqueue = async (item) => {
    const ok = await enqueue(item);
    if (ok && item.kind === "wake") parked.wakes++;
    return ok;
  };
  // Jobs queued at once by concurrent jobs share one write (the engine's WriteCoalescer).
  const enqueueMany = stores.queue.enqueueMany.bind(stores.queue);
  stores.queue.enqueueMany = async (items) => {
    const ok = await enqueueMany(items);
    for (const [i, item] of items.entries()) if (ok[i] && item.kind === "wake") parked.wakes++;
    return ok;
  };
  return stores;
}
async function until(probe, what, ms = timeoutMs) {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => {
      ended.waiters.push(r);
      setTimeout(r, 2);
    });
  }
}
const endedAtLeast = (n) => until(() => ended.count >= n, `${n} runs to end (${ended.count} so far)`);

// --- reports from function code (in-process, or over IPC from the app child) ---
const reports = new Map(); // kind → Map(k → ms), first report per k wins (a replay may repeat one)
function onReport(msg) {
  if (!msg || msg.kind === "listening") return;
  let m = reports.get(msg.kind);
  if (!m) {
    m = new Map();
    reports.set(msg.kind, m);
  }
  if (!m.has(msg.k)) m.set(msg.k, msg.ms);
}
const reported = (kind) => reports.get(kind) ?? new Map();

// --- the target: embedded engine or HTTP server + app child ---
const tag = `${process.pid}`;
const sc = storeConfig(store, tag);
const stores = observe(await openStores(sc.config));
// WEFT_BENCH_COUNT_CALLS=1: count every store method call during the measured window (profile aid).
const calls = new Map();
let counting = false;
if (process.env.WEFT_BENCH_COUNT_CALLS) {
  for (const [name, store] of Object.entries(stores)) {
    if (!store || typeof store !== "object") continue; // the bundle also holds functions (init, close)
    const proto = Object.getPrototypeOf(store);
    for (const m of new Set([...Object.getOwnPropertyNames(proto), ...Object.keys(store)])) {
      if (m === "constructor" || typeof store[m] !== "function") continue;
      const f = store[m].bind(store);
      store[m] = (...a) => {
        if (counting) calls.set(`${name}.${m}`, (calls.get(`${name}.${m}`) ?? 0) + 1);
        return f(...a);
      };
    }
  }
}
let send; // (events[]) → Promise<void>, resolved once the events are durable
let shutdown;
let profileApp; // HTTP mode: start/stop a profile of the app child
const profileFile = process.env.WEFT_BENCH_PROFILE; // profile the measured window into FILE(.engine|.app).cpuprofile
if (mode === "embedded") {
  const client = new Weft({ id: "bench" });
  const eng = await createEngine({ client, functions: benchFunctions(client, onReport), stores, log: silentLogger });
  send = async (events) => void (await eng.send(events));
  shutdown = () => eng.stop();
} else if (mode === "http" || mode === "http-inngest") {
  // params.metrics / params.otelEndpoint: telemetry on or off (bench/observability.mjs compares them).
  const telemetry = { metrics: params.metrics ?? true, otelEndpoint: params.otelEndpoint };
  const server = await startWeftServer({ stores, port: 0, log: silentLogger, retryIntervalMs: 1000, syncIntervalMs: 3_600_000, ...telemetry });
  const appFile = mode === "http-inngest" ? "./inngest-app.mjs" : "./app.mjs";
  const app = fork(fileURLToPath(new URL(appFile, import.meta.url)), [server.url], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: process.env.WEFT_BENCH_APP_EXECARGV ? process.env.WEFT_BENCH_APP_EXECARGV.split(" ") : [],
  });
  const appUrl = await new Promise((resolve, reject) => {
    app.once("error", reject);
    app.once("exit", (code) => reject(new Error(`app exited ${code}`)));
    app.on("message", (m) => (m?.kind === "listening" ? resolve(m.url) : onReport(m)));
  });
  app.removeAllListeners("exit");
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 60_000 });
  const post = async (path, body) => {
    const res = await request(`${server.url}${path}`, {
      method: "POST",
      dispatcher,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`POST ${path} → ${res.statusCode} ${text}`);
    return JSON.parse(text);
  };
  // params.scrapeMs: a Prometheus scraper reading GET /metrics meanwhile (bench/observability.mjs).
  const scraper = params.scrapeMs
    ? setInterval(
        () =>
          request(`${server.url}/metrics`, { dispatcher }).then(
            (r) => r.body.dump(),
            () => {},
          ),
        params.scrapeMs,
      )
    : undefined;
  scraper?.unref();
  const synced = await post("/v1/apps", { url: appUrl });
  if (!synced.data?.ok) throw new Error(`app sync failed: ${JSON.stringify(synced)}`);
  send = async (events) => void (await post("/e/bench-key", events));
  profileApp = {
    start: () => app.send({ kind: "profile-start" }),
    stop: (file) =>
      new Promise((resolve) => {
        app.on("message", (m) => m?.kind === "profile-saved" && resolve());
        app.send({ kind: "profile-stop", file });
      }),
  };
  shutdown = async () => {
    app.kill("SIGTERM");
    await server.close();
    await dispatcher.close();
  };
} else throw new Error(`unknown mode ${mode}`);

// --- workloads ---
async function runSeq(n) {
  const base = ended.count;
  const t0 = now();
  await send([{ name: "bench/seq", data: { n } }]);
  await endedAtLeast(base + 1);
  return now() - t0;
}

/** Busy CPU time of every core since boot, in ms, from /proc/stat (user, nice, system, irq, softirq); undefined off Linux. */
function machineBusyMs() {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

const workloads = {
  async seq() {
    return measureSeq(runSeq, params.steps ?? 200);
  },
  async throughput() {
    // `runs` runs of `steps` steps, `inFlight` at a time. With `capS`, no new run starts after capS
    // seconds; the runs in flight finish and the rate is over the runs that ran. With `warmRuns`,
    // that many runs go first, unmeasured, the same way: the steady state of a process that has been
    // up a while (its JIT warm, its helper threads' too).
    const runs = params.runs ?? 500,
      steps = params.steps ?? 10,
      inFlight = params.inFlight ?? 50,
      capMs = (params.capS ?? Infinity) * 1000;
    /** Run `total` runs, `inFlight` at a time; returns how many were started (fewer when capped). */
    async function drive(total, startedAt, cap) {
      const base = ended.count;
      const sendOne = () => send([{ name: "bench/seq", data: { n: steps } }]);
      let sent = 0;
      const senders = [];
      for (; sent < Math.min(inFlight, total); sent++) senders.push(sendOne());
      await Promise.all(senders);
      // Keep `inFlight` runs going: one new run per run that ends.
      while (sent < total && now() - startedAt < cap) {
        await until(() => ended.count - base > sent - inFlight, "a run to end");
        const batch = [];
        while (sent < total && ended.count - base > sent - inFlight) {
          batch.push(sendOne());
          sent++;
        }
        await Promise.all(batch);
      }
      await endedAtLeast(base + sent);
      return sent;
    }
    if (params.warmRuns) await drive(params.warmRuns, now(), Infinity);
    const t0 = now();
    // CPU time of this process (the engine and server; the app is a child): steady under machine load, unlike the rate.
    const cpu0 = process.cpuUsage();
    // The event loop's busy time: the engine's one thread, without helper threads.
    const loop0 = performance.eventLoopUtilization();
    // The whole machine's busy CPU time (Linux): the engine, the app, and whatever they started (the span exporter).
    const machine0 = machineBusyMs();
    const sent = await drive(runs, t0, capMs);
    const ms = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const loop = performance.eventLoopUtilization(loop0);
    return {
      engine_cpu_us_per_step: round((cpu.user + cpu.system) / (sent * steps), 1),
      engine_loop_us_per_step: round((loop.active * 1000) / (sent * steps), 1),
      ...(machine0 !== undefined ? { machine_cpu_us_per_step: round(((machineBusyMs() - machine0) * 1000) / (sent * steps), 1) } : {}),
      steps_per_s: round(((sent * steps) / ms) * 1000, 0),
      runs_per_s: round((sent / ms) * 1000, 0),
      total_ms: round(ms, 1),
      runs: sent,
      runs_asked: runs,
      capped: sent < runs,
      steps,
      in_flight: inFlight,
    };
  },
  async fanout() {
    const n = params.n ?? 100;
    const base = ended.count;
    const t0 = now();
    await send([{ name: "bench/fan", data: { n } }]);
    await endedAtLeast(base + 1);
    const ms = now() - t0;
    return { total_ms: round(ms, 1), ms_per_step: round(ms / n, 4), steps_per_s: round((n / ms) * 1000, 0), n };
  },
  async wait() {
    const k = params.k ?? 1000,
      chunk = params.chunk ?? 200;
    const t0 = now();
    for (let i = 0; i < k; i += chunk) await send(Array.from({ length: Math.min(chunk, k - i) }, (_, j) => ({ name: "bench/wait", data: { k: i + j } })));
    await until(() => parked.pauses >= k, `${k} waits to park (${parked.pauses} so far)`);
    const parkMs = now() - t0;
    await sleep(50);
    const t1 = now();
    // The burst: every matching event, in chunks sent concurrently; sentAt is stamped per chunk.
    const chunks = [];
    for (let i = 0; i < k; i += chunk) chunks.push(Array.from({ length: Math.min(chunk, k - i) }, (_, j) => i + j));
    await Promise.all(chunks.map((ks) => send(ks.map((x) => ({ name: "bench/go", data: { k: x, sentAt: now() } })))));
    const burstSendMs = now() - t1;
    await until(() => reported("resume").size >= k, `${k} resumes (${reported("resume").size} so far)`);
    const lat = [...reported("resume").values()];
    return {
      p50_ms: round(percentile(lat, 50), 2),
      p99_ms: round(percentile(lat, 99), 2),
      max_ms: round(Math.max(...lat), 2),
      k,
      park_ms: round(parkMs, 0),
      burst_send_ms: round(burstSendMs, 1),
    };
  },
  async first() {
    const sends = params.sends ?? 200;
    for (let i = 0; i < sends; i++) {
      await send([{ name: "bench/first", data: { k: i, sentAt: now() } }]);
      await until(() => reported("first").has(i), `first step of send ${i}`);
      await endedAtLeast(i + 2); // the run (and the warm-up run) ended: the engine is idle again
      await sleep(2);
    }
    const lat = [...reported("first").values()];
    return { p50_ms: round(percentile(lat, 50), 3), p99_ms: round(percentile(lat, 99), 3), max_ms: round(Math.max(...lat), 2), sends };
  },
  async timers() {
    // K runs sleep until dueAt (+ i/K × spreadMs: 0 = all due at one moment). The due time must
    // come after every sleep is queued, so the park rate is calibrated first with 100 runs that
    // sleep for an hour (they never fire during the case).
    const k = params.k ?? 1000,
      chunk = params.chunk ?? 200,
      spreadMs = params.spreadMs ?? 0;
    const cal = 100;
    const c0 = now();
    await send(Array.from({ length: cal }, (_, j) => ({ name: "bench/timer", data: { k: `cal${j}`, dueAt: Date.now() + 3_600_000 } })));
    await until(() => parked.wakes >= cal, `${cal} calibration timers to be queued`);
    const perRun = (now() - c0) / cal;
    const marginMs = params.marginMs ?? Math.round(1000 + perRun * k * 1.5);
    const t0 = now();
    const dueAt = Math.round(t0 + marginMs);
    const due = (i) => dueAt + Math.round((i / k) * spreadMs);
    for (let i = 0; i < k; i += chunk)
      await send(Array.from({ length: Math.min(chunk, k - i) }, (_, j) => ({ name: "bench/timer", data: { k: i + j, dueAt: due(i + j) } })));
    await until(() => parked.wakes >= cal + k, `${k} timers to be queued (${parked.wakes - cal} so far)`);
    const parkedAt = now();
    if (parkedAt > dueAt)
      throw new Error(`setup too slow: ${k} timers queued ${Math.round(parkedAt - dueAt)} ms after the first was due (margin ${marginMs} ms from calibration)`);
    await until(() => reported("timer").size >= k, `${k} timers to fire (${reported("timer").size} so far)`);
    const late = [...reported("timer").values()];
    return {
      p50_ms: round(percentile(late, 50), 1),
      p99_ms: round(percentile(late, 99), 1),
      max_ms: round(Math.max(...late), 1),
      k,
      spread_ms: spreadMs,
      park_ms: round(parkedAt - t0, 0),
      slack_ms: round(dueAt - parkedAt, 0),
    };
  },
  async memory() {
    // The engine process's RSS with K runs parked on waits: they should cost store space, not
    // engine memory. Measured after a full GC (the case runs with --expose-gc), before and after.
    const k = params.k ?? 10_000,
      chunk = params.chunk ?? 500;
    const rss = async () => {
      for (let i = 0; i < 3; i++) {
        globalThis.gc?.();
        await sleep(50);
      }
      return process.memoryUsage();
    };
    const warm = 200;
    await send(Array.from({ length: warm }, (_, j) => ({ name: "bench/wait", data: { k: `warm${j}` } })));
    await until(() => parked.pauses >= warm, `${warm} warm-up waits to park`);
    const before = await rss();
    const t0 = now();
    for (let i = 0; i < k; i += chunk) await send(Array.from({ length: Math.min(chunk, k - i) }, (_, j) => ({ name: "bench/wait", data: { k: `m${i + j}` } })));
    await until(() => parked.pauses >= warm + k, `${k} waits to park (${parked.pauses - warm} so far)`);
    const parkMs = now() - t0;
    const after = await rss();
    const mb = (b) => round(b / 1048576, 1);
    // RSS is what the OS sees (freed memory is not always returned to it); the JS heap after GC is
    // what the engine still holds.
    return {
      growth_mb: mb(after.rss - before.rss),
      heap_growth_mb: mb(after.heapUsed - before.heapUsed),
      rss_before_mb: mb(before.rss),
      rss_after_mb: mb(after.rss),
      bytes_per_run: round((after.rss - before.rss) / k, 0),
      heap_bytes_per_run: round((after.heapUsed - before.heapUsed) / k, 0),
      k,
      park_ms: round(parkMs, 0),
      gc: typeof globalThis.gc === "function",
    };
  },
  async burst() {
    const n = params.n ?? 10_000,
      chunk = params.chunk ?? 500;
    const base = ended.count;
    const t0 = now();
    for (let i = 0; i < n; i += chunk) await send(Array.from({ length: Math.min(chunk, n - i) }, () => ({ name: "bench/burst", data: {} })));
    const ingestMs = now() - t0;
    await endedAtLeast(base + n);
    const ms = now() - t0;
    return { ingest_events_per_s: round((n / ingestMs) * 1000, 0), runs_per_s: round((n / ms) * 1000, 0), total_ms: round(ms, 0), n };
  },
};

let result;
try {
  if (!workloads[workload]) throw new Error(`unknown workload ${workload}`);
  await runSeq(10); // warm-up: JIT, connections, prepared statements
  const stop = profileFile ? await startProfile() : undefined;
  profileApp?.start && profileFile && profileApp.start();
  if (profileFile) await sleep(100);
  counting = true;
  const metrics = await workloads[workload]();
  counting = false;
  if (calls.size) metrics.store_calls = Object.fromEntries([...calls].sort((a, b) => b[1] - a[1]));
  if (stop) await stop(`${profileFile}.engine.cpuprofile`);
  if (profileApp && profileFile) await profileApp.stop(`${profileFile}.app.cpuprofile`);
  result = { ok: true, metrics };
} catch (e) {
  result = { ok: false, error: String(e?.message ?? e) };
}
await Promise.race([shutdown().catch(() => {}), sleep(5000)]);
await Promise.race([closeStores(stores).catch(() => {}), sleep(5000)]);
await sc.cleanup().catch((e) => console.error(`cleanup: ${e.message}`));
emit(result);
process.exit(0);
