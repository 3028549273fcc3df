import { ManualClock, MemoryQueue, MemoryRunStateStore } from "@weft/store";
import type { CreateRunResult, NewRun, QueueItem, RunState, SaveStepResult, StateBundle } from "@weft/store";
import { planRebalance, rebalance, runIdsFromHistory, shardLayout } from "@weft/store-layers";
import type { ShardStores } from "@weft/store-layers";
import { describe, expect, it } from "vitest";
import { expectIntact, memoryShard, populate, runIdsFor, shardedOver } from "./rebalance-world.js";

const runIds = runIdsFor(300);

/**
 * A run-state store whose `failOn` call fails once, the `failAt`-th time (counting only calls about
 * `onlyRun` when given): a rebalance dying half way.
 */
class FlakyState extends MemoryRunStateStore {
  private calls = 0;
  constructor(
    clock: ManualClock,
    private readonly failOn: "saveStep" | "deleteRun" | "createRun",
    private readonly failAt: number,
    private readonly onlyRun?: string,
  ) {
    super({ clock });
  }
  private trip(method: string, runId: string): void {
    if (method !== this.failOn || (this.onlyRun !== undefined && runId !== this.onlyRun)) return;
    if (++this.calls === this.failAt) throw new Error(`connection lost in ${method}`);
  }
  override async createRun(run: NewRun): Promise<CreateRunResult> {
    this.trip("createRun", run.runId);
    return super.createRun(run);
  }
  override async saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    this.trip("saveStep", runId);
    return super.saveStep(runId, stepId, output);
  }
  override async deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    this.trip("deleteRun", runId);
    return super.deleteRun(runId, tombstoneTtlMs);
  }
}

/** An enqueue that fails once: the queue pass dying half way. */
class FlakyQueue extends MemoryQueue {
  private enqueues = 0;
  constructor(
    clock: ManualClock,
    private readonly failAt: number,
  ) {
    super({ clock });
  }
  override async enqueue(item: QueueItem): Promise<boolean> {
    if (++this.enqueues === this.failAt) throw new Error("connection lost in enqueue");
    return super.enqueue(item);
  }
}

function fourShards(clock: ManualClock, replace: Partial<Record<number, Partial<ShardStores>>> = {}): StateBundle[] {
  return [0, 1, 2, 3].map((i) => ({ ...memoryShard(clock), ...(replace[i] ?? {}) }));
}

const layouts = (shards: StateBundle[]) => ({ from: shardLayout(shards.slice(0, 3)), to: shardLayout(shards) });

describe("rebalance: 3 memory shards to 4", () => {
  it("moves only the runs whose shard changes (about 1/4), and every run reads back identical", async () => {
    const clock = new ManualClock();
    const world = await populate(fourShards(clock), clock, runIds);
    const { from, to } = layouts(world.shards);
    const planned = planRebalance(from, to, runIds);
    expect(planned.length).toBeGreaterThan(runIds.length * 0.15);
    expect(planned.length).toBeLessThan(runIds.length * 0.35);
    expect(new Set(planned.map((m) => m.to))).toEqual(new Set(["shard-3"]));

    const report = await rebalance({ from, to, runIds: runIdsFromHistory(world.history, 64) });
    expect(report.runs.moved).toBe(planned.length);
    expect(report.runs.missing).toBe(0);
    expect(report.runs.moved + report.runs.stayed + report.runs["claim-moved"]).toBe(runIds.length);
    expect(report.pauses).toBe(planned.length);
    expect(report.queue.refused).toEqual([]);
    expect(report.queue.moved + report.queue.kept).toBe(world.items.size);
    // The moved runs' old copies are gone, except a fresh claim where the old shard holds the key's claim.
    for (const { runId, from: old } of planned) {
      const key = (world.states.get(runId) as RunState).metadata.idempotencyKey;
      const oldShard = world.shards[Number(old.slice("shard-".length))] as ShardStores;
      const claimHere = to.ring.shardIds[to.ring.ownerOf(key)] === old;
      const left = await oldShard.state.loadRun(runId);
      expect(left !== undefined).toBe(claimHere);
      if (left !== undefined) expect(left).toMatchObject({ stack: [], metadata: { status: "Running", version: -1 } });
      expect(await oldShard.pauses.pausesOfRun(runId)).toEqual([]);
    }
    await expectIntact(world);

    // Again: nothing left to move, nothing changes.
    const repeat = await rebalance({ from, to, runIds });
    expect(repeat.runs.moved).toBe(0);
    expect(repeat.runs["already-moved"]).toBe(planned.length);
    await expectIntact(world);
  });

  it("a rebalance interrupted while copying is finished by running it again", async () => {
    const clock = new ManualClock();
    const world = await populate(fourShards(clock, { 3: { state: new FlakyState(clock, "saveStep", 40) } }), clock, runIds);
    const { from, to } = layouts(world.shards);
    await expect(rebalance({ from, to, runIds })).rejects.toThrow(/connection lost in saveStep/);
    const report = await rebalance({ from, to, runIds });
    expect(report.runs.moved).toBeGreaterThan(0);
    await expectIntact(world);
  });

  it("a rebalance interrupted while deleting old copies is finished by running it again", async () => {
    const clock = new ManualClock();
    const world = await populate(fourShards(clock, { 0: { state: new FlakyState(clock, "deleteRun", 5) } }), clock, runIds);
    const { from, to } = layouts(world.shards);
    await expect(rebalance({ from, to, runIds })).rejects.toThrow(/connection lost in deleteRun/);
    const report = await rebalance({ from, to, runIds });
    expect(report.runs["already-moved"]).toBeGreaterThan(0);
    await expectIntact(world);
  });

  it("a move interrupted between deleting an old copy and claiming the key in its place is finished", async () => {
    // A run that moves while its key's shard becomes the shard it leaves: that shard must end up
    // with a fresh claim. The first createRun of the claim there (after the old copy is deleted) fails.
    const { from: plainFrom, to: plainTo } = layouts(fourShards(new ManualClock()));
    const index = runIds.findIndex((runId, i) => {
      const from = plainFrom.ring.ownerOf(runId);
      return from !== plainTo.ring.ownerOf(runId) && plainTo.ring.ownerOf(`app-fn:evt-${i}`) === from;
    });
    const runId = runIds[index] as string;
    const shard = plainFrom.ring.ownerOf(runId);
    const clock = new ManualClock();
    // Armed for the second createRun of this run on its shard: the first is the run's own creation.
    const world = await populate(fourShards(clock, { [shard]: { state: new FlakyState(clock, "createRun", 2, runId) } }), clock, runIds);
    const { from, to } = layouts(world.shards);
    await expect(rebalance({ from, to, runIds })).rejects.toThrow(/connection lost in createRun/);
    expect(await (world.shards[shard] as ShardStores).state.loadRun(runId)).toBeUndefined();
    await rebalance({ from, to, runIds });
    expect(await (world.shards[shard] as ShardStores).state.loadRun(runId)).toMatchObject({ stack: [], metadata: { version: -1 } });
    await expectIntact(world);
  });

  it("an interrupted queue pass parks items out of workers' reach until it runs again", async () => {
    const clock = new ManualClock();
    const world = await populate(fourShards(clock, { 3: { queue: new FlakyQueue(clock, 10) } }), clock, runIds);
    const { from, to } = layouts(world.shards);
    await expect(rebalance({ from, to, runIds })).rejects.toThrow(/connection lost in enqueue/);
    // A worker (leasing for 0 ms, so this look holds nothing) cannot reach the parked items.
    const parked = shardedOver(world.shards);
    const reachable = await parked.queue.lease({ now: clock.now() + runIds.length, leaseMs: 0, limit: 10_000 });
    expect(reachable.length).toBeLessThan(world.items.size);
    expect(await parked.queue.size()).toBe(world.items.size);
    const report = await rebalance({ from, to, runIds });
    expect(report.queue.refused).toEqual([]);
    await expectIntact(world);
  });
});
