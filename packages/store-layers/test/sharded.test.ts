import { InvalidInputError, isWeftError } from "@weft/core";
import { ManualClock, MemoryRunStateStore, createMemoryStores } from "@weft/store";
import type { CreateRunResult, NewRun, StateBundle } from "@weft/store";
import { createShardedStores, shardLayout } from "@weft/store-layers";
import { describe, expect, it } from "vitest";
import { shardedOver } from "./rebalance-world.js";

// What the conformance suite cannot reach through one store's eyes: a create that dies between its
// two writes, and the routing rules' edges (pause ids, foreign tokens, fan-out).

/** A run-state store whose next `failNext` creates throw, as a lost connection would. */
class DroppingState extends MemoryRunStateStore {
  failNext = 0;
  override async createRun(run: NewRun): Promise<CreateRunResult> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("connection lost");
    }
    return super.createRun(run);
  }
}

const clock = new ManualClock();

function threeShards(): { shards: StateBundle[]; states: DroppingState[] } {
  const states = [0, 1, 2].map(() => new DroppingState({ clock }));
  const shards = states.map((state) => ({ ...createMemoryStores({ clock }), state }));
  return { shards, states };
}

function newRun(runId: string, idempotencyKey: string): NewRun {
  const events = [{ id: "e1", name: "app/x", data: {}, user: {}, ts: clock.now() }];
  return { runId, idempotencyKey, functionId: "fn", appId: "app", env: "dev", events, createdAt: clock.now(), maxAttempts: 1 };
}

/** A run id and a key that the ring puts on different shards. */
function splitPair(): { runId: string; key: string; runShard: number; keyShard: number } {
  const layout = shardLayout(threeShards().shards);
  for (let i = 0; ; i++) {
    const runId = `run-${i}`;
    const key = `fn:evt-${i}`;
    const runShard = layout.ring.ownerOf(runId);
    const keyShard = layout.ring.ownerOf(key);
    if (runShard !== keyShard) return { runId, key, runShard, keyShard };
  }
}

describe("sharded stores", () => {
  it("init and close reach every shard's bundle, and close tries them all even when one fails", async () => {
    const calls: string[] = [];
    const shards = [0, 1, 2].map((i) => ({
      ...createMemoryStores({ clock }),
      init: async () => void calls.push(`init ${i}`),
      close: async () => {
        calls.push(`close ${i}`);
        if (i === 0) throw new Error("shard 0 would not close");
      },
    }));
    const stores = createShardedStores(shards, { flow: (shards[0] as StateBundle).flow });
    await stores.init();
    expect(calls.sort()).toEqual(["init 0", "init 1", "init 2"]);
    await expect(stores.close()).rejects.toThrow(/shard 0 would not close/);
    expect(calls.filter((c) => c.startsWith("close")).sort()).toEqual(["close 0", "close 1", "close 2"]);
  });

  it("a create that died after claiming its key is finished by the next create of that key", async () => {
    const { shards, states } = threeShards();
    const stores = shardedOver(shards);
    const { runId, key, runShard } = splitPair();
    (states[runShard] as DroppingState).failNext = 1;
    await expect(stores.state.createRun(newRun(runId, key))).rejects.toThrow(/connection lost/);
    expect(await stores.state.loadRun(runId)).toBeUndefined();
    // The engine's event job is redelivered and creates again, with a fresh run id.
    expect(await stores.state.createRun(newRun("retry-run", key))).toEqual({ status: "exists", runId });
    expect(await stores.state.loadRun(runId)).toMatchObject({ metadata: { runId, idempotencyKey: key, status: "Running" }, stack: [] });
    expect(await stores.state.loadRun("retry-run")).toBeUndefined();
  });

  it("a run id held under another key is refused, and the refused create does not keep its key", async () => {
    const { shards } = threeShards();
    const stores = shardedOver(shards);
    const { runId, key } = splitPair();
    await stores.state.createRun(newRun(runId, "first-key"));
    const error = await stores.state.createRun(newRun(runId, key)).catch((e: unknown) => e);
    expect(isWeftError(error, InvalidInputError)).toBe(true);
    expect(await stores.state.createRun(newRun("other-run", key))).toEqual({ status: "created", runId: "other-run" });
  });

  it("deleteRun tombstones the key on its own shard, so a create with a fresh run id sees it", async () => {
    const { shards } = threeShards();
    const stores = shardedOver(shards);
    const { runId, key } = splitPair();
    await stores.state.createRun(newRun(runId, key));
    await stores.state.deleteRun(runId, 60_000);
    for (let i = 0; i < 10; i++) expect(await stores.state.createRun(newRun(`again-${i}`, key))).toEqual({ status: "tombstone" });
  });

  it("pauses: an id naming another run is refused; ids without a run are found on any shard", async () => {
    const { shards } = threeShards();
    const stores = shardedOver(shards);
    const base = { stepId: "s", kind: "wait", env: "dev", eventName: "app/x", createdAt: 1, expiresAt: 2 } as const;
    await expect(stores.pauses.savePause({ ...base, id: "run-a:s", runId: "run-b" })).rejects.toThrow(/must start with its run id/);
    for (let i = 0; i < 12; i++) await stores.pauses.savePause({ ...base, id: `plain-${i}`, runId: `run-${i}` });
    for (let i = 0; i < 12; i++) expect((await stores.pauses.getPause(`plain-${i}`))?.runId).toBe(`run-${i}`);
    expect(await stores.pauses.findPauses("dev", { id: "e", name: "app/x", data: {}, user: {}, ts: 3 })).toHaveLength(12);
    for (let i = 0; i < 12; i++) await stores.pauses.deletePause(`plain-${i}`);
    expect(await stores.pauses.findPauses("dev", { id: "e", name: "app/x", data: {}, user: {}, ts: 3 })).toEqual([]);
  });

  it("queue: tokens route back to their shard; a token naming no shard, or a bare shard token, is stale", async () => {
    const { shards } = threeShards();
    const stores = shardedOver(shards);
    const now = clock.now();
    for (let i = 0; i < 9; i++) {
      await stores.queue.enqueue({ id: `job-${i}`, kind: "discover", runId: `run-${i}`, tenant: "t", payload: {}, availableAt: now, attempt: 0 });
    }
    const leased = await stores.queue.lease({ now, leaseMs: 1_000, limit: 100 });
    expect(leased).toHaveLength(9);
    const [first, second, ...rest] = leased;
    const bare = first?.token.slice(first.token.indexOf("/") + 1) ?? "";
    expect(await stores.queue.dequeue(bare)).toBe(false);
    expect(await stores.queue.dequeue(`7/${bare}`)).toBe(false);
    expect(await stores.queue.dequeue(first?.token ?? "")).toBe(true);
    expect(await stores.queue.extend(second?.token ?? "", now, 5_000)).toBe(true);
    for (const lease of rest) expect(await stores.queue.requeue(lease.token, { availableAt: now + 1, attempt: 1 })).toBe(true);
    expect(await stores.queue.size()).toBe(8);
    expect(await stores.queue.nextAvailableAt(now)).toBe(now + 1);
  });
});
