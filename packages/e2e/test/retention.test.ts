// The retention sweep (`--retention`) on every store it deletes from: SQLite, Postgres, and
// Postgres history with run state on Redis. A ManualClock moves time past the retention period;
// the sweep must delete ended runs (history, timeline, run state) and old events in batches, and
// keep a running run, its trigger event, and an event a debounce may still start a run with.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@weft/engine";
import { Weft } from "@weft/sdk";
import { closeStores, openStores, startWeftServer, type StoreConfig } from "@weft/server";
import { ManualClock, type StoreBundle } from "@weft/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestData, testBackend } from "../src/backends.js";
import { api, runsOf, runWithStatus, sendEvents, serveApp, stepsOf, waitFor, type TestWeft } from "../src/index.js";

const postgres = await testBackend("postgres");
const redis = await testBackend("redis");
const tag = `retention_${process.pid}_${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), "weft-retention-"));
const backends: { name: string; store: StoreConfig | undefined }[] = [
  { name: "sqlite", store: { db: `sqlite:${join(dir, "weft.db")}` } },
  { name: "postgres", store: postgres ? { db: `${postgres}?schema=${tag}` } : undefined },
  { name: "postgres + redis state", store: postgres && redis ? { db: `${postgres}?schema=${tag}_r`, state: `${redis}?keyPrefix=${tag}:` } : undefined },
];
afterAll(async () => {
  await dropTestData({ postgres, schemas: [tag, `${tag}_r`], redis, prefixes: [`${tag}:`] });
  rmSync(dir, { recursive: true, force: true });
});

const day = 24 * 3600_000;

describe.each(backends)("retention on $name", ({ store }) => {
  const clock = new ManualClock(Date.now());
  let stores: StoreBundle;
  let weft: TestWeft;
  let app: { close(): Promise<void> };

  beforeAll(async () => {
    if (!store) return;
    const opened = await openStores(store);
    stores = opened;
    // Batches of 3 rows, so 7 ended runs take several; no timer sweep (the test sweeps by hand).
    const server = await startWeftServer({
      stores: opened,
      port: 0,
      clock,
      log: process.env.WEFT_TEST_LOG ? undefined : silentLogger,
      syncIntervalMs: 60_000,
      retryIntervalMs: 50,
      retention: { eventsMs: 30 * day, runsMs: 30 * day, batchSize: 3, pauseMs: 1, intervalMs: 3_600_000 },
    });
    weft = { server, url: server.url, close: () => server.close() };
    const client = new Weft({ id: "retention-app", baseUrl: weft.url });
    app = await serveApp(weft, client, [
      client.createFunction({ id: "quick" }, { event: "ret/quick" }, async ({ step }) => step.run("one", () => 1)),
      client.createFunction({ id: "waiter" }, { event: "ret/wait" }, async ({ step }) => {
        await step.run("before", () => 1);
        return step.waitForEvent("go", { event: "ret/go", timeout: "90d" });
      }),
      client.createFunction({ id: "debounced", debounce: { period: "60d" } }, { event: "ret/debounce" }, async () => 1),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await weft?.close();
    if (stores) await closeStores(stores);
  });

  it.skipIf(!store)("deletes ended runs with their state and old events in batches, and keeps what is still needed", { timeout: 30_000 }, async () => {
    const quickEvents = await sendEvents(
      weft,
      Array.from({ length: 7 }, (_, i) => ({ name: "ret/quick", data: { i } })),
    );
    const [waitEvent] = await sendEvents(weft, { name: "ret/wait", data: {} });
    const [debounceEvent] = await sendEvents(weft, { name: "ret/debounce", data: {} });
    const quickRuns = await Promise.all(quickEvents.map(async (id) => (await runsOf(weft, id))[0]?.run_id as string));
    for (const runId of quickRuns) await runWithStatus(weft, runId, "Completed");
    const waiter = (await runsOf(weft, waitEvent as string))[0]?.run_id as string;
    await waitFor(async () => ((await stepsOf(weft, waiter)).some((s) => s.op === "WaitForEvent") ? true : undefined), "the waiter to wait");
    expect(await stores.state.loadRun(quickRuns[0] as string)).toBeDefined();

    // Inside the retention period nothing goes.
    clock.advance(29 * day);
    expect(await weft.server.engine.sweepRetention()).toEqual({ swept: true, runs: 0, events: 0 });

    clock.advance(2 * day);
    const swept = await weft.server.engine.sweepRetention();
    expect(swept).toMatchObject({ swept: true, runs: 7 });
    for (const runId of quickRuns) {
      expect(await stores.history.getRun(runId)).toBeUndefined();
      expect(await stores.history.listSteps(runId)).toEqual([]);
      expect(await stores.state.loadRun(runId)).toBeUndefined();
    }
    for (const id of quickEvents) expect(await stores.history.getEvent(id)).toBeUndefined();
    // Kept: the running run (history, timeline, state), its trigger event, and the event a 60-day debounce holds.
    expect((await stores.history.getRun(waiter))?.status).toBe("Running");
    expect((await stores.history.listSteps(waiter)).length).toBeGreaterThan(0);
    expect((await stores.state.loadRun(waiter))?.metadata.status).toBe("Running");
    expect(await stores.history.getEvent(waitEvent as string)).toBeDefined();
    expect(await stores.history.getEvent(debounceEvent as string)).toBeDefined();
    // The 7 triggers and the 7 `inngest/function.finished` events their runs emitted.
    expect(swept.events).toBe(14);

    // Once it ends, the waiter goes too after its own retention period.
    expect(await weft.server.engine.cancelRun(waiter)).toBe(true);
    await runWithStatus(weft, waiter, "Cancelled");
    expect((await weft.server.engine.sweepRetention()).runs).toBe(0);
    clock.advance(31 * day);
    expect((await weft.server.engine.sweepRetention()).runs).toBe(1);
    expect(await stores.history.getRun(waiter)).toBeUndefined();
    expect(await stores.state.loadRun(waiter)).toBeUndefined();
    expect(await stores.history.getEvent(waitEvent as string)).toBeUndefined();
    await api(weft.url, "GET", "/health");
  });

  it.skipIf(!store)("two engines on one store sweeping at once delete each row once (a flow-store lease lets one sweep)", async () => {
    const second = await startWeftServer({
      stores,
      port: 0,
      clock,
      log: silentLogger,
      syncIntervalMs: 60_000,
      retention: { eventsMs: 30 * day, runsMs: 30 * day, batchSize: 3, pauseMs: 1, intervalMs: 3_600_000 },
    });
    try {
      const runs = Array.from({ length: 20 }, (_, i) => `lease-run-${String(i).padStart(2, "0")}`);
      const ended = clock.now() - 40 * day;
      for (const runId of runs)
        await stores.history.recordRun({ runId, functionId: "gone", eventId: `e-${runId}`, status: "Completed", startedAt: ended, endedAt: ended });
      const results = await Promise.all([weft.server.engine.sweepRetention(), second.engine.sweepRetention()]);
      expect(results.reduce((n, r) => n + r.runs, 0)).toBe(20);
      expect(results.some((r) => r.swept)).toBe(true);
      for (const runId of runs) expect(await stores.history.getRun(runId)).toBeUndefined();
    } finally {
      await second.close();
    }
  });
});
