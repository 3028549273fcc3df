// `inngest/function.finished` nothing listens to (issue 19): it is kept in history, but gets no
// `event` job (a third of a short run's jobs, with nothing to do). When a function triggers on it, or
// a wait may match it, its job is queued as before and does its work.
import { Weft } from "@weft/sdk";
import { createMemoryStores, type QueueItem, type StoreBundle } from "@weft/store";
import { afterEach, describe, expect, it } from "vitest";
import { createEngine, type EmbeddedEngine } from "../src/index.js";

let running: EmbeddedEngine | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Real memory stores whose queue also notes the event name of every `event` job queued (or handed straight to a worker, leased). */
function recordingStores(): { stores: StoreBundle; eventJobs: string[] } {
  const stores = createMemoryStores();
  const eventJobs: string[] = [];
  const note = (items: readonly QueueItem[]) => {
    for (const item of items) if (item.kind === "event") eventJobs.push((item.payload as { event: { name: string } }).event.name);
  };
  const { enqueue, enqueueMany, enqueueLeased } = stores.queue;
  stores.queue.enqueueLeased = (item, opts) => {
    note([item]);
    return enqueueLeased.call(stores.queue, item, opts);
  };
  stores.queue.enqueue = (item) => {
    note([item]);
    return enqueue.call(stores.queue, item);
  };
  stores.queue.enqueueMany = (items) => {
    note(items);
    return enqueueMany.call(stores.queue, items);
  };
  return { stores, eventJobs };
}

const finishedName = "inngest/function.finished";

describe("a lifecycle event nothing listens to", () => {
  it("is stored in history but queues no event job", async () => {
    const { stores, eventJobs } = recordingStores();
    const weft = new Weft({ id: "unheard" });
    const fn = weft.createFunction({ id: "work" }, { event: "unheard/go" }, async ({ step }) => step.run("one", () => 1));
    running = await createEngine({ client: weft, functions: [fn], stores });
    const [eventId] = await running.send({ name: "unheard/go", data: {} });
    const runId = (await running.runsOf(eventId as string))[0]?.runId as string;
    expect((await running.waitForRun(runId, 10_000)).status).toBe("Completed");

    const finished = await stores.history.listEvents({ name: finishedName });
    expect(finished.map((e) => e.event.data.run_id)).toEqual([runId]);
    expect(eventJobs).toEqual(["unheard/go"]);
  });

  it("is queued when a function triggers on it, and that function runs", async () => {
    const { stores, eventJobs } = recordingStores();
    const weft = new Weft({ id: "heard" });
    const seen: unknown[] = [];
    const fn = weft.createFunction({ id: "work" }, { event: "heard/go" }, async ({ step }) => step.run("one", () => 1));
    const watcher = weft.createFunction({ id: "watcher" }, { event: finishedName }, async ({ event }) => {
      seen.push(event.data.function_id);
    });
    running = await createEngine({ client: weft, functions: [fn, watcher], stores });
    const [eventId] = await running.send({ name: "heard/go", data: {} });
    const runId = (await running.runsOf(eventId as string))[0]?.runId as string;
    await running.waitForRun(runId, 10_000);
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(["heard-work"]);
    // The work run's end is heard; the watcher's own end triggers nothing (no run ends trigger their own function).
    expect(eventJobs.filter((name) => name === finishedName)).toHaveLength(1);
  });

  it("is queued when a wait may match it, and resumes that wait", async () => {
    const { stores, eventJobs } = recordingStores();
    const weft = new Weft({ id: "waited" });
    const fn = weft.createFunction({ id: "work" }, { event: "waited/go" }, async ({ step }) => step.run("one", () => 1));
    const waiter = weft.createFunction({ id: "waiter" }, { event: "waited/watch" }, async ({ step }) => {
      const ended = await step.waitForEvent("end", { event: finishedName, timeout: "1h", if: "async.data.function_id == 'waited-work'" });
      return ended?.data.function_id ?? null;
    });
    running = await createEngine({ client: weft, functions: [fn, waiter], stores });
    const [watchId] = await running.send({ name: "waited/watch", data: {} });
    const waiterRun = (await running.runsOf(watchId as string))[0]?.runId as string;
    const deadline = Date.now() + 10_000;
    while ((await stores.pauses.countPauses()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));

    const [goId] = await running.send({ name: "waited/go", data: {} });
    const workRun = (await running.runsOf(goId as string))[0]?.runId as string;
    await running.waitForRun(workRun, 10_000);
    const waited = await running.waitForRun(waiterRun, 10_000);
    expect(JSON.parse(waited.output ?? "{}")).toEqual({ data: "waited-work" });
    // The work run's end was queued (a wait could match it); the waiter's own end, with no wait left, was not.
    expect(eventJobs.filter((name) => name === finishedName)).toHaveLength(1);
  });
});
