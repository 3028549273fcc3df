// A discovery job that marks async steps pending and dies before scheduling them all (kill -9
// between the two writes) must not leave its run waiting forever: redelivered, it schedules them
// again. The "death" here is the store refusing the scheduling write once, which sends the job
// back to the queue exactly as an expired lease does.
import { fixedBackoff } from "@weft/engine";
import { Weft } from "@weft/sdk";
import { createMemoryStores, type QueueItem, type StoreBundle } from "@weft/store";
import { afterEach, expect, it } from "vitest";
import { createEngine, type EmbeddedEngine } from "../src/index.js";

let running: EmbeddedEngine | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Memory stores whose first scheduling write of each kind (planned step, wake, wait) fails. */
function storesThatDieWhileScheduling(): { stores: StoreBundle; died: string[] } {
  const stores = createMemoryStores();
  const died: string[] = [];
  const once = (what: string) => {
    if (died.includes(what)) return;
    died.push(what);
    throw new Error(`simulated crash while scheduling a ${what}`);
  };
  const scheduling = (item: QueueItem) => {
    if (item.kind === "step" && item.payload.name === "fan-2") once("planned step");
    if (item.kind === "wake") once("wake");
  };
  // A job due at once may be queued already leased (the engine's hand-off): both writes can die.
  const enqueue = stores.queue.enqueue.bind(stores.queue);
  stores.queue.enqueue = async (item) => (scheduling(item), enqueue(item));
  const enqueueLeased = stores.queue.enqueueLeased.bind(stores.queue);
  stores.queue.enqueueLeased = async (item, opts) => (scheduling(item), enqueueLeased(item, opts));
  const savePause = stores.pauses.savePause.bind(stores.pauses);
  stores.pauses.savePause = async (pause) => {
    if (pause.kind === "wait") once("wait");
    return savePause(pause);
  };
  return { stores, died };
}

it("a discovery that died half way through scheduling schedules again when redelivered", { timeout: 20_000 }, async () => {
  // The classic path (one call per parallel step), whose scheduling is what may die half way.
  const weft = new Weft({ id: "half-planned", parallelSteps: false });
  const ran = new Map<string, number>();
  const count = (k: string) => ran.set(k, (ran.get(k) ?? 0) + 1);
  const fn = weft.createFunction({ id: "fn" }, { event: "half/start" }, async ({ step }) => {
    const parts = await Promise.all([1, 2, 3].map((i) => step.run(`fan-${i}`, () => (count(`fan-${i}`), i))));
    await step.sleep("nap", "10ms");
    const go = await step.waitForEvent("go", { event: "half/go", timeout: "200ms" });
    return { parts, go };
  });
  const { stores, died } = storesThatDieWhileScheduling();
  running = await createEngine({ client: weft, functions: [fn], stores, backoff: fixedBackoff(10) });
  const [eventId] = await running.send({ name: "half/start", data: {} });
  let runId: string | undefined;
  while (!runId) runId = (await running.runsOf(eventId!))[0]?.runId ?? (await new Promise((r) => setTimeout(r, 5)), undefined);
  const run = await running.waitForRun(runId, 15_000);
  expect(died).toEqual(["planned step", "wake", "wait"]);
  expect(run.status).toBe("Completed");
  expect(JSON.parse(run.output ?? "{}")).toEqual({ data: { parts: [1, 2, 3], go: null } });
  expect(Object.fromEntries(ran)).toEqual({ "fan-1": 1, "fan-2": 1, "fan-3": 1 });
});
