// An event that matches many waits resumes them as one group (issue 19): every run's write-once save,
// then all their discoveries in one queue write, then the pauses' deletion. A crash anywhere in the
// group (here the store refusing one of its writes once, which sends the event job back to the queue
// as an expired lease does) loses no resume and repeats none.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedBackoff } from "@weft/engine";
import { Weft } from "@weft/sdk";
import { createMemoryStores, type QueueItem, type StoreBundle } from "@weft/store";
import { createSqliteStores } from "@weft/store-sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { createEngine, type EmbeddedEngine } from "../src/index.js";

let running: EmbeddedEngine | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await running?.stop();
  running = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const waiters = 12;

function storesOn(kind: string): StoreBundle {
  if (kind === "memory") return createMemoryStores();
  const dir = mkdtempSync(join(tmpdir(), "weft-resume-group-"));
  dirs.push(dir);
  return createSqliteStores(join(dir, "weft.db"));
}

/** Runs that each wait for any `group/go`, then run one step with what it brought. */
async function parkedRuns(stores: StoreBundle): Promise<{ runIds: string[]; after: Map<string, number> }> {
  const weft = new Weft({ id: "resume-group" });
  const after = new Map<string, number>();
  const fn = weft.createFunction({ id: "wait" }, { event: "group/park" }, async ({ event, step }) => {
    const go = await step.waitForEvent("go", { event: "group/go", timeout: "1h" });
    return step.run("after", () => {
      after.set(event.data.k as string, (after.get(event.data.k as string) ?? 0) + 1);
      return go?.data.n ?? null;
    });
  });
  // Four slots: the event job takes one, three discoveries are handed straight to the worker (as
  // at any time it has room), and the rest of the group is queued together.
  running = await createEngine({ client: weft, functions: [fn], stores, backoff: fixedBackoff(10), concurrency: 4 });
  const eventIds = await running.send(Array.from({ length: waiters }, (_, i) => ({ name: "group/park", data: { k: `k${i}` } })));
  const deadline = Date.now() + 10_000;
  while ((await stores.pauses.countPauses()) < waiters) {
    if (Date.now() > deadline) throw new Error("the waits did not park");
    await new Promise((r) => setTimeout(r, 5));
  }
  const runIds = await Promise.all(eventIds.map(async (id) => (await (running as EmbeddedEngine).runsOf(id))[0]?.runId as string));
  return { runIds, after };
}

async function expectAllResumedOnce(stores: StoreBundle, runIds: string[], after: Map<string, number>): Promise<void> {
  for (const runId of runIds) {
    const run = await (running as EmbeddedEngine).waitForRun(runId, 10_000);
    expect(run.status).toBe("Completed");
    expect(JSON.parse(run.output ?? "{}")).toEqual({ data: 7 });
  }
  expect([...after.values()]).toEqual(runIds.map(() => 1));
  expect(await stores.pauses.countPauses()).toBe(0);
}

describe.each(["memory", "sqlite"])("resuming many waits with one event, on %s", (kind) => {
  it("resumes every run once, the discoveries it cannot start at once queued in one write", async () => {
    const stores = storesOn(kind);
    const groups: QueueItem[][] = [];
    const handed: QueueItem[] = [];
    const enqueueMany = stores.queue.enqueueMany.bind(stores.queue);
    stores.queue.enqueueMany = async (items) => {
      if (items.some((i) => i.kind === "discover")) groups.push([...items]);
      return enqueueMany(items);
    };
    const enqueueLeased = stores.queue.enqueueLeased.bind(stores.queue);
    stores.queue.enqueueLeased = async (item, opts) => {
      if (item.kind === "discover") handed.push(item);
      return enqueueLeased(item, opts);
    };
    const enqueue = stores.queue.enqueue.bind(stores.queue);
    const single: QueueItem[] = [];
    stores.queue.enqueue = async (item) => {
      if (item.kind === "discover") single.push(item);
      return enqueue(item);
    };
    const { runIds, after } = await parkedRuns(stores);
    groups.length = 0;
    handed.length = 0;
    single.length = 0;
    await (running as EmbeddedEngine).send({ name: "group/go", data: { n: 7 } });
    await expectAllResumedOnce(stores, runIds, after);
    // The first discovery of each run after its wait is stack length 1 (the wait's value).
    const resumed = (items: QueueItem[]) => items.filter((i) => i.id.endsWith(":d:1"));
    expect(single).toEqual([]);
    expect(groups.map((g) => resumed(g).length).filter((n) => n > 0)).toEqual([waiters - 3]);
    expect(resumed(handed)).toHaveLength(3);
    expect([...resumed(groups.flat()), ...resumed(handed)].map((i) => i.runId).sort()).toEqual([...runIds].sort());
    expect(groups.flat().every((i) => i.kind === "discover" && i.tenant === "resume-group")).toBe(true);
  });

  it.each([
    ["the discoveries' write", "discoveries"],
    ["a pause's deletion, after the discoveries were queued", "deletion"],
  ])("a crash at %s loses no resume and repeats none", async (_, where) => {
    const stores = storesOn(kind);
    let crashed = false;
    const crashOnce = () => {
      if (crashed) return;
      crashed = true;
      throw new Error(`simulated crash at ${where}`);
    };
    if (where === "discoveries") {
      const enqueueMany = stores.queue.enqueueMany.bind(stores.queue);
      stores.queue.enqueueMany = async (items) => {
        if (items.some((i) => i.kind === "discover")) crashOnce();
        return enqueueMany(items);
      };
    } else {
      const deletePause = stores.pauses.deletePause.bind(stores.pauses);
      stores.pauses.deletePause = async (id) => {
        if (id.endsWith(":go") === false) crashOnce();
        return deletePause(id);
      };
    }
    const { runIds, after } = await parkedRuns(stores);
    await (running as EmbeddedEngine).send({ name: "group/go", data: { n: 7 } });
    await expectAllResumedOnce(stores, runIds, after);
    expect(crashed).toBe(true);
  });
});
