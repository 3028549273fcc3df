// Runaway functions (issue 13, item 2): a function triggered by `*` or by `inngest/function.finished`
// is not re-triggered by the end of its own runs, lifecycle events obey the event size limit, other
// apps' internal events never reach `*`, and a function that invokes or triggers itself in a loop
// fails at the run chain depth limit, naming it. Real server, real apps over HTTP.
import { silentLogger, type Limits } from "@weft/engine";
import { referenceFunction, Weft } from "@weft/sdk";
import { closeStores, openStores, startWeftServer } from "@weft/server";
import type { Stores } from "@weft/store";
import { afterEach, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, serveApp, stepsOf, waitFor, type ApiRun, type TestWeft } from "../src/index.js";

/** More runs of one function than any case here makes: past it, the test stops the runaway. */
const runawayAt = 8;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A server over memory stores the test can see: idle means every queued job is done. */
async function start(limits: Partial<Limits>): Promise<TestWeft & { stores: Stores }> {
  const stores = await openStores("memory:");
  const server = await startWeftServer({ stores, port: 0, retryIntervalMs: 20, log: silentLogger, syncIntervalMs: 60_000, limits });
  const weft = {
    server,
    url: server.url,
    stores,
    close: async () => {
      await server.close();
      await closeStores(stores);
    },
  };
  closers.push(weft.close);
  return weft;
}

async function serve(weft: TestWeft, client: Weft, functions: Parameters<typeof serveApp>[2]): Promise<void> {
  const app = await serveApp(weft, client, functions);
  closers.push(app.close);
}

/**
 * Wait until nothing is queued: no job, hence no run or event, is in flight (a job stays queued
 * until its handler, which queues what follows, returns). `runs` counts the runs that matter, and
 * passing `runawayAt` ends the wait at once: without the fix they would never stop.
 */
function idle(weft: { stores: Stores }, runs: () => number): Promise<true> {
  return waitFor(async () => {
    if (runs() > runawayAt) throw new Error(`ran away: ${runs()} runs and counting`);
    return (await weft.stores.queue.size()) === 0 ? true : undefined;
  }, "the engine to be idle");
}

async function runsOfFunction(weft: TestWeft, functionId: string): Promise<ApiRun[]> {
  return (await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/runs?function_id=${functionId}&limit=100`)).data;
}

async function storedEvents(weft: TestWeft, name: string): Promise<{ data: Record<string, unknown> }[]> {
  return (await api<{ data: { data: Record<string, unknown> }[] }>(weft.url, "GET", `/v1/events?name=${name}&limit=100`)).data;
}

const maxEventBytes = 4096;
const storedSize = (e: unknown) => Buffer.byteLength(JSON.stringify(e));

describe("a run's own lifecycle events never re-trigger it", () => {
  it("a `*` function runs once per user event, and never sees internal events (its own or another app's)", async () => {
    const weft = await start({ maxEventBytes });
    const seen: string[] = [];
    const a = new Weft({ id: "star-app", baseUrl: weft.url });
    const star = a.createFunction({ id: "star" }, { event: "*" }, async ({ event }) => {
      seen.push(event.name);
      return { echo: event.data };
    });
    const b = new Weft({ id: "other-app", baseUrl: weft.url });
    const failing = b.createFunction({ id: "failing", retries: 0 }, { event: "other/go" }, async () => {
      throw new Error("secret detail of another app");
    });
    await serve(weft, a, [star]);
    await serve(weft, b, [failing]);

    const run = await runOf(weft, "star/go", { blob: "x".repeat(1000) });
    await runWithStatus(weft, run.run_id, "Completed");
    await runOf(weft, "other/go");
    await idle(weft, () => seen.length);
    // Once for each user event; never for a function.finished/failed, its own or the other app's.
    expect(seen.sort()).toEqual(["other/go", "star/go"]);
    expect(await runsOfFunction(weft, "star-app-star")).toHaveLength(2);
    for (const e of await storedEvents(weft, "inngest/function.finished")) expect(storedSize(e)).toBeLessThanOrEqual(maxEventBytes + 200);
  });

  it("a function.finished function runs once per other run's end, not for its own ends", async () => {
    const weft = await start({ maxEventBytes });
    const watched: string[] = [];
    const client = new Weft({ id: "watch-app", baseUrl: weft.url });
    const job = client.createFunction({ id: "job" }, { event: "watch/go" }, async ({ event }) => event.data);
    const watcher = client.createFunction({ id: "watcher" }, { event: "inngest/function.finished" }, async ({ event }) => {
      watched.push(String(event.data.function_id));
      return { saw: event.data };
    });
    await serve(weft, client, [job, watcher]);

    await runOf(weft, "watch/go", { blob: "y".repeat(1000) });
    await idle(weft, () => watched.length);
    expect(watched).toEqual(["watch-app-job"]);
    expect(await runsOfFunction(weft, "watch-app-watcher")).toHaveLength(1);
    // The only lifecycle event is the job's: the watcher's run, started by one, emits none.
    const finished = await storedEvents(weft, "inngest/function.finished");
    expect(finished.map((e) => e.data.function_id)).toEqual(["watch-app-job"]);
  });
});

describe("lifecycle events obey the event size limit", () => {
  it("an event and a result near the limit give a finished event within it, saying what was trimmed", async () => {
    const weft = await start({ maxEventBytes });
    const client = new Weft({ id: "size-app", baseUrl: weft.url });
    const big = client.createFunction({ id: "big" }, { event: "size/go" }, async () => "r".repeat(3500));
    await serve(weft, client, [big]);

    const run = await runOf(weft, "size/go", { blob: "e".repeat(3800) });
    await runWithStatus(weft, run.run_id, "Completed");
    const [finished] = await waitFor(async () => {
      const found = await storedEvents(weft, "inngest/function.finished");
      return found.length > 0 ? found : undefined;
    }, "the finished event");
    // Untrimmed it would hold the event twice and the result: 11 KB.
    expect(storedSize(finished)).toBeLessThanOrEqual(maxEventBytes + 200);
    expect(finished?.data).not.toHaveProperty("events");
    expect(finished?.data._inngest).toMatchObject({ status: "Completed", trimmed: { event: expect.any(Number) } });
  });
});

describe("a function that invokes or triggers itself stops at the run chain depth limit", () => {
  const depthError = /would start a run 4 deep .*over the run chain depth limit of 3; raise it with --max-run-chain-depth/;

  it("self-invocation: the invoke 4 deep fails, naming the limit, and every run ends", async () => {
    const weft = await start({ maxRunChainDepth: 3 });
    let calls = 0;
    const client = new Weft({ id: "rec-app", baseUrl: weft.url });
    const recurse = client.createFunction({ id: "recurse" }, { event: "rec/go" }, async ({ event, step }) => {
      calls++;
      const n = Number(event.data.n ?? 0);
      return step.invoke("deeper", { function: referenceFunction({ functionId: "recurse" }), data: { n: n + 1 } });
    });
    await serve(weft, client, [recurse]);

    const root = await runOf(weft, "rec/go", { n: 0 });
    await idle(weft, () => calls);
    await runWithStatus(weft, root.run_id, "Failed");
    const runs = await runsOfFunction(weft, "rec-app-recurse");
    expect(runs).toHaveLength(4); // depths 0, 1, 2 and 3
    expect(runs.every((r) => r.status === "Failed")).toBe(true);
    expect(runs.every((r) => depthError.test(JSON.stringify(r.output)))).toBe(true);
    // The deepest run's invoke failed at once; each ancestor's invoke then failed with its child's
    // error (a failed child fails the invoke line too, issue 14).
    const invokes = await Promise.all(runs.map(async (r) => (await stepsOf(weft, r.run_id)).find((s) => s.name === "deeper")));
    expect(invokes.map((s) => s?.status)).toEqual(["Failed", "Failed", "Failed", "Failed"]);
    for (const s of invokes) expect(s?.error?.message).toMatch(/^step.invoke of rec-app-recurse would start a run 4 deep/);
  });

  it("self-sending: the step.sendEvent 4 deep fails once, not retried, naming the limit", async () => {
    const weft = await start({ maxRunChainDepth: 3 });
    let sends = 0;
    const client = new Weft({ id: "loop-app", baseUrl: weft.url });
    const loop = client.createFunction({ id: "loop" }, { event: "loop/tick" }, async ({ event, step }) => {
      await step.run("count", () => ++sends);
      await step.sendEvent("again", { name: "loop/tick", data: { n: Number(event.data.n ?? 0) + 1 } });
      return "sent";
    });
    await serve(weft, client, [loop]);

    await runOf(weft, "loop/tick", { n: 0 });
    await idle(weft, () => sends);
    const runs = await runsOfFunction(weft, "loop-app-loop");
    expect(runs.map((r) => r.status).sort()).toEqual(["Completed", "Completed", "Completed", "Failed"]);
    const failed = runs.find((r) => r.status === "Failed") as ApiRun;
    expect(JSON.stringify(failed.output)).toMatch(depthError);
    const again = (await stepsOf(weft, failed.run_id)).filter((s) => s.name === "again");
    expect(again.map((s) => s.status)).toEqual(["Failed"]);
  });
});
