// Flow control through the SDK's function options, on every backend the machine has: memory,
// SQLite, Postgres, and Postgres with run state on Redis. Limits are enforced by the engine over
// the FlowStore, so each backend is held to the same observable behaviour.
import { Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestData, testBackend } from "../src/backends.js";
import {
  api,
  runOf,
  runsOf,
  runWithStatus,
  sendEvents,
  serveApp,
  startTestWeft,
  stepsOf,
  waitFor,
  type ApiRun,
  type TestWeft,
  type TestWeftOptions,
} from "../src/index.js";

const postgres = await testBackend("postgres");
const redis = await testBackend("redis");
const tag = `flow_${process.pid}_${Date.now()}`;
const backends: { name: string; store: TestWeftOptions["store"] | undefined }[] = [
  { name: "memory", store: "memory" },
  { name: "sqlite", store: "sqlite" },
  { name: "postgres", store: postgres ? { db: `${postgres}?schema=${tag}` } : undefined },
  { name: "postgres + redis", store: postgres && redis ? { db: `${postgres}?schema=${tag}_r`, state: `${redis}?keyPrefix=${tag}:` } : undefined },
];

afterAll(() => dropTestData({ postgres, schemas: [tag, `${tag}_r`], redis, prefixes: [`${tag}:`] }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)("flow control on $name", ({ store }) => {
  let weft: TestWeft;
  let app: { close(): Promise<void> };
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const finishedAt = new Map<string, number>();
  const startedAt: number[] = [];

  beforeAll(async () => {
    if (!store) return;
    weft = await startTestWeft({ store });
    const client = new Weft({ id: "flow-app", baseUrl: weft.url });
    const limited = client.createFunction(
      { id: "limited", concurrency: { limit: 2, key: "event.data.user" } },
      { event: "flow/limited" },
      async ({ event, step }) => {
        const user = event.data.user as string;
        await step.run("work", async () => {
          inFlight.set(user, (inFlight.get(user) ?? 0) + 1);
          peak.set(user, Math.max(peak.get(user) ?? 0, inFlight.get(user) ?? 0));
          await sleep(user === "busy" ? 250 : 10);
          inFlight.set(user, (inFlight.get(user) ?? 0) - 1);
        });
        finishedAt.set(event.data.n as string, Date.now());
      },
    );
    const throttled = client.createFunction({ id: "throttled", throttle: { limit: 2, period: "1s" } }, { event: "flow/throttled" }, async ({ step }) => {
      await step.run("start", () => startedAt.push(Date.now()));
    });
    const rateLimited = client.createFunction(
      { id: "rate-limited", rateLimit: { limit: 1, period: "1m", key: "event.data.user" } },
      { event: "flow/rate" },
      async () => "ran",
    );
    const debounced = client.createFunction(
      { id: "debounced", debounce: { period: "1s", key: "event.data.user" } },
      { event: "flow/debounce" },
      async ({ event }) => event.data.n,
    );
    const idempotent = client.createFunction({ id: "idempotent", idempotency: "event.data.order" }, { event: "flow/order" }, async () => "charged");
    const single = client.createFunction({ id: "single", singleton: { mode: "skip" } }, { event: "flow/single" }, async ({ step }) => {
      await step.waitForEvent("hold", { event: "flow/release", timeout: "1h" });
    });
    const replacing = client.createFunction({ id: "replacing", singleton: { mode: "cancel" } }, { event: "flow/replace" }, async ({ step }) => {
      await step.waitForEvent("hold", { event: "flow/never", timeout: "1h" });
    });
    const bounded = client.createFunction({ id: "bounded", timeouts: { finish: "1s" } }, { event: "flow/bounded" }, async ({ step }) => {
      await step.sleep("long", "1h");
    });
    const pausable = client.createFunction({ id: "pausable" }, { event: "flow/pausable" }, async ({ step }) => {
      await step.waitForEvent("hold", { event: "flow/never", timeout: "1h" });
    });
    const batched = client.createFunction({ id: "batched", batchEvents: { maxSize: 3, timeout: "1s" } }, { event: "flow/batch" }, async ({ events }) =>
      events.map((e) => e.data.n as number).sort(),
    );
    app = await serveApp(weft, client, [batched, limited, throttled, rateLimited, debounced, idempotent, single, replacing, bounded, pausable]);
  });

  afterAll(async () => {
    await app?.close();
    await weft?.close();
  });

  const runsOfFunction = async (fn: string) => (await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/runs?function_id=flow-app-${fn}`)).data;

  it.runIf(store)("concurrency: a key never exceeds its limit, and a saturated key does not hold up others", async () => {
    const busy = await sendEvents(
      weft,
      Array.from({ length: 6 }, (_, n) => ({ name: "flow/limited", data: { user: "busy", n: `busy-${n}` } })),
    );
    const [quiet] = await sendEvents(weft, { name: "flow/limited", data: { user: "quiet", n: "quiet" } });
    for (const id of [...busy, quiet!]) await runWithStatus(weft, (await runsOf(weft, id))[0]!.run_id, "Completed", 15_000);
    expect(peak.get("busy")).toBe(2);
    const lastBusy = Math.max(...[0, 1, 2, 3, 4, 5].map((n) => finishedAt.get(`busy-${n}`) ?? 0));
    expect(finishedAt.get("quiet")).toBeLessThan(lastBusy);
  });

  it.runIf(store)("throttle: runs over the rate are delayed, not dropped", async () => {
    await sendEvents(
      weft,
      [1, 2, 3].map((n) => ({ name: "flow/throttled", data: { n } })),
    );
    await waitFor(
      async () => ((await runsOfFunction("throttled")).filter((r) => r.status === "Completed").length === 3 ? true : undefined),
      "three throttled runs",
      10_000,
    );
    const sorted = [...startedAt].sort((a, b) => a - b);
    expect(sorted[2]! - sorted[0]!).toBeGreaterThanOrEqual(400); // the third waited for the budget (2 per second)
  });

  it.runIf(store)("rate limit: runs over the limit are dropped, per key", async () => {
    await sendEvents(weft, [
      { name: "flow/rate", data: { user: "u1" } },
      { name: "flow/rate", data: { user: "u1" } },
      { name: "flow/rate", data: { user: "u2" } },
    ]);
    const [marker] = await sendEvents(weft, { name: "flow/order", data: { order: "marker" } });
    await runWithStatus(weft, (await runsOf(weft, marker!))[0]!.run_id, "Completed");
    await waitFor(async () => ((await runsOfFunction("rate-limited")).length >= 2 ? true : undefined), "the rate-limited runs");
    expect(await runsOfFunction("rate-limited")).toHaveLength(2);
  });

  it.runIf(store)("debounce: a burst of events starts one run, with the last event", async () => {
    await sendEvents(
      weft,
      [1, 2, 3].map((n) => ({ name: "flow/debounce", data: { user: "d1", n } })),
    );
    const runs = await waitFor(
      async () => {
        const found = await runsOfFunction("debounced");
        return found.length > 0 && found.every((r) => r.status === "Completed") ? found : undefined;
      },
      "the debounced run",
      5000,
    );
    expect(runs.map((r) => r.output)).toEqual([3]);
  });

  it.runIf(store)("batching: full batches start at once, the rest after the timeout, every event in one run", async () => {
    await sendEvents(
      weft,
      [1, 2, 3, 4].map((n) => ({ name: "flow/batch", data: { n } })),
    );
    const runs = await waitFor(
      async () => {
        const found = await runsOfFunction("batched");
        return found.length === 2 && found.every((r) => r.status === "Completed") ? found : undefined;
      },
      "two batched runs",
      5000,
    );
    const batches = runs.map((r) => r.output as number[]).sort((a, b) => b.length - a.length);
    expect(batches.map((b) => b.length)).toEqual([3, 1]);
    expect(batches.flat().sort()).toEqual([1, 2, 3, 4]);
  });

  it.runIf(store)("idempotency: one run per value of the expression", async () => {
    await sendEvents(weft, [
      { name: "flow/order", data: { order: "o-7" } },
      { name: "flow/order", data: { order: "o-7" } },
    ]);
    const [other] = await sendEvents(weft, { name: "flow/order", data: { order: "o-8" } });
    await runWithStatus(weft, (await runsOf(weft, other!))[0]!.run_id, "Completed");
    const runs = await runsOfFunction("idempotent");
    expect(runs.filter((r) => r.status === "Completed").length).toBe(3); // marker, o-7 once, o-8
  });

  it.runIf(store)("singleton skip drops a run while one holds the key; cancel replaces it", async () => {
    const first = await runOf(weft, "flow/single");
    await waitFor(async () => ((await stepsOf(weft, first.run_id)).some((s) => s.status === "Waiting") ? true : undefined), "the first to wait");
    await sendEvents(weft, { name: "flow/single", data: {} });
    const replaced = await runOf(weft, "flow/replace");
    await waitFor(async () => ((await stepsOf(weft, replaced.run_id)).some((s) => s.status === "Waiting") ? true : undefined), "the run to replace");
    const replacement = await runOf(weft, "flow/replace");
    await runWithStatus(weft, replaced.run_id, "Cancelled");
    expect((await api<{ data: ApiRun }>(weft.url, "GET", `/v1/runs/${replacement.run_id}`)).data.status).toBe("Running");
    expect(await runsOfFunction("single")).toHaveLength(1);
  });

  it.runIf(store)("timeouts.finish cancels a run still going at its deadline", async () => {
    const run = await runOf(weft, "flow/bounded");
    await runWithStatus(weft, run.run_id, "Cancelled", 5000);
  });

  it.runIf(store)("a paused function starts no runs; bulk cancel ends its running ones", async () => {
    const running = await runOf(weft, "flow/pausable");
    await api(weft.url, "POST", "/v1/functions/flow-app-pausable/pause");
    const [skipped] = await sendEvents(weft, { name: "flow/pausable", data: {} });
    const [marker] = await sendEvents(weft, { name: "flow/order", data: { order: "after-pause" } });
    await runWithStatus(weft, (await runsOf(weft, marker!))[0]!.run_id, "Completed");
    expect((await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/events/${skipped}/runs`)).data).toEqual([]);
    await api(weft.url, "POST", "/v1/functions/flow-app-pausable/resume");
    const resumed = await runOf(weft, "flow/pausable");
    const { data } = await api<{ data: { cancelled: number } }>(weft.url, "POST", "/v1/functions/flow-app-pausable/cancel");
    expect(data.cancelled).toBe(2);
    await runWithStatus(weft, running.run_id, "Cancelled");
    await runWithStatus(weft, resumed.run_id, "Cancelled");
  });
});
