// Fairness across apps (issue 13, item 5): app A never answers its calls; 40 of its runs are
// started, then app B's 3-step runs are sent one after another, and each one's time from send to
// Completed is measured. Compared with the cap per app off (`maxCallsPerApp` = the worker's
// concurrency: A's hanging calls can take every slot) and at its default (half the worker).
// A second part measures what the cap costs an app alone: 300 runs of B's function at once.
// Run after `npm run build`:
//   node bench/fairness/slow-app.mjs [--workers 32] [--call-timeout-ms 10000] [--store memory|sqlite]
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { silentLogger } from "@weft/engine";
import { serve, Weft } from "@weft/sdk";
import { closeStores, openStores, startWeftServer } from "@weft/server";

const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "32" },
    "call-timeout-ms": { type: "string", default: "10000" },
    store: { type: "string", default: "memory" },
    hanging: { type: "string", default: "40" },
    runs: { type: "string", default: "5" },
    burst: { type: "string", default: "300" },
  },
});
const workers = Number(values.workers);
const callTimeoutMs = Number(values["call-timeout-ms"]);
const hangingRuns = Number(values.hanging);
const bRuns = Number(values.runs);
const burst = Number(values.burst);

const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
const closeHttp = (server) => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
const json = async (res) => ({ status: res.status, body: await res.json() });

async function startWeft(maxCallsPerApp) {
  const dir = mkdtempSync(join(tmpdir(), "weft-slow-app-"));
  const stores = await openStores(values.store === "sqlite" ? `sqlite:${join(dir, "weft.db")}` : "memory:");
  // Counts the leases of app A's jobs: the cost of holding them back while A is at its cap.
  const lease = stores.queue.lease.bind(stores.queue);
  let aLeases = 0;
  stores.queue.lease = async (opts) => {
    const got = await lease(opts);
    aLeases += got.filter((l) => l.item.tenant.startsWith("hanging")).length;
    return got;
  };
  const server = await startWeftServer({
    stores,
    port: 0,
    log: silentLogger,
    syncIntervalMs: 600_000,
    concurrency: workers,
    maxCallsPerApp,
    callTimeoutMs,
  });
  return {
    server,
    url: server.url,
    aLeases: () => aLeases,
    close: async () => (await server.close(), await closeStores(stores), rmSync(dir, { recursive: true, force: true })),
  };
}

/** App A: registers one function and never answers a call to it. */
async function startHangingApp(weft) {
  let calls = 0;
  const http = createServer((req) => (calls++, req.resume()));
  const url = `http://127.0.0.1:${await listen(http)}/api/inngest`;
  const fn = { id: "hangs", name: "hangs", triggers: [{ event: "slow/hangs" }], steps: { step: { id: "step", name: "step", runtime: { type: "http", url } } } };
  const res = await fetch(`${weft.url}/fn/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appName: "hanging-app", url, sdk: "bench", functions: [fn] }),
  });
  if (!res.ok) throw new Error(`register: ${res.status} ${await res.text()}`);
  return { calls: () => calls, close: () => closeHttp(http) };
}

/** App B: a 3-step function, served by the SDK. */
async function startHealthyApp(weft) {
  const client = new Weft({ id: "healthy-app", baseUrl: weft.url });
  const fn = client.createFunction({ id: "three-steps" }, { event: "slow/three-steps" }, async ({ step }) => {
    const a = await step.run("one", () => 1);
    const b = await step.run("two", () => a + 1);
    return step.run("three", () => a + b);
  });
  const handler = serve({ client, functions: [fn] });
  const http = createServer((req, res) => void handler(req, res));
  const url = `http://127.0.0.1:${await listen(http)}/api/inngest`;
  const synced = await json(
    await fetch(`${weft.url}/v1/apps`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url }) }),
  );
  if (!synced.body.data?.ok) throw new Error(`sync: ${JSON.stringify(synced.body)}`);
  return { close: () => closeHttp(http) };
}

const send = async (weft, events) =>
  (await json(await fetch(`${weft.url}/e/bench`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) }))).body.ids;

async function completedRuns(weft, eventIds) {
  let done = 0;
  for (const id of eventIds) {
    const { body } = await json(await fetch(`${weft.url}/v1/events/${id}/runs`));
    if (body.data?.[0]?.status === "Completed") done++;
  }
  return done;
}

async function untilCompleted(weft, eventIds, pollMs = 5) {
  while ((await completedRuns(weft, eventIds)) < eventIds.length) await new Promise((r) => setTimeout(r, pollMs));
}

async function slowApp(maxCallsPerApp) {
  const weft = await startWeft(maxCallsPerApp);
  const a = await startHangingApp(weft);
  const b = await startHealthyApp(weft);
  await send(
    weft,
    Array.from({ length: hangingRuns }, (_, i) => ({ name: "slow/hangs", data: { i } })),
  );
  const share = Math.min(workers, maxCallsPerApp);
  while (a.calls() < share) await new Promise((r) => setTimeout(r, 5));
  const times = [];
  const leases0 = weft.aLeases();
  const t0 = performance.now();
  for (let i = 0; i < bRuns; i++) {
    const t0 = performance.now();
    await untilCompleted(weft, await send(weft, { name: "slow/three-steps", data: { i } }));
    times.push(performance.now() - t0);
  }
  const hangingCalls = a.calls();
  // Idle a second too: what holding A's backlog costs when nothing else happens.
  await new Promise((r) => setTimeout(r, 1000));
  const aLeasesPerS = Math.round((weft.aLeases() - leases0) / ((performance.now() - t0) / 1000));
  await a.close();
  await b.close();
  await weft.close();
  return { times, hangingCalls, aLeasesPerS };
}

async function alone(maxCallsPerApp) {
  const weft = await startWeft(maxCallsPerApp);
  const b = await startHealthyApp(weft);
  const t0 = performance.now();
  const ids = await send(
    weft,
    Array.from({ length: burst }, (_, i) => ({ name: "slow/three-steps", data: { i } })),
  );
  await untilCompleted(weft, ids, 50);
  const s = (performance.now() - t0) / 1000;
  await b.close();
  await weft.close();
  return Math.round(burst / s);
}

const ms = (x) => `${Math.round(x)} ms`;
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}; store ${values.store}; --workers ${workers}; call timeout ${callTimeoutMs} ms`,
);
console.log(`${hangingRuns} runs of app A (never answers), then ${bRuns} 3-step runs of app B one after another: send → Completed`);
console.log("max calls per app        A's calls made   B first run   B median   B max    A's jobs leased/s (held back)");
for (const cap of [workers, Math.max(1, Math.floor(workers / 2))]) {
  const { times, hangingCalls, aLeasesPerS } = await slowApp(cap);
  const label = cap === workers ? `${cap} (no fair share)` : `${cap} (default)`;
  console.log(
    `${label.padEnd(24)} ${String(hangingCalls).padStart(8)}        ${ms(times[0]).padStart(9)}   ${ms(median(times)).padStart(8)} ${ms(Math.max(...times)).padStart(8)}   ${String(aLeasesPerS).padStart(6)}`,
  );
}
console.log(`\napp B alone: ${burst} 3-step runs sent at once, runs completed per second`);
for (const cap of [workers, Math.max(1, Math.floor(workers / 2))]) {
  console.log(`max calls per app ${String(cap).padEnd(4)} ${String(await alone(cap)).padStart(6)} runs/s`);
}
process.exit(0);
