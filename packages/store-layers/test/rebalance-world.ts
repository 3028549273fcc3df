import { type ManualClock, MemoryHistoryStore, createMemoryStores } from "@weft/store";
import type { Pause, QueueItem, RunState, StateBundle } from "@weft/store";
import { createShardedStores, differenceBetween, shardLayout } from "@weft/store-layers";
import { expect } from "vitest";

/**
 * A world for rebalance tests: runs in every state a run can be in (steps, pending steps, versions,
 * ended, invoked), each with a pause and a queued job, plus unowned event jobs, written through the
 * sharded stores of the first three of four shards; and the check that all of it reads back
 * unchanged through all four.
 */
export function runIdsFor(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `01KRUN${String(i).padStart(6, "0")}`);
}

export interface World {
  runIds: string[];
  clock: ManualClock;
  shards: StateBundle[];
  history: MemoryHistoryStore;
  states: Map<string, RunState>;
  pauses: Map<string, Pause[]>;
  items: Map<string, QueueItem>;
}

export function memoryShard(clock: ManualClock): StateBundle {
  return createMemoryStores({ clock });
}

/** The sharded stores over `shards`, with the first shard's flow store (as `--state` has it). */
export function shardedOver(shards: readonly StateBundle[]): StateBundle {
  return createShardedStores(shards, { flow: (shards[0] as StateBundle).flow });
}

/** `runIds` written through the sharded stores of `shards[0..2]`; `shards[3]` is the one to add. */
export async function populate(shards: StateBundle[], clock: ManualClock, runIds: string[]): Promise<World> {
  const stores = shardedOver(shards.slice(0, 3));
  const history = new MemoryHistoryStore();
  const items = new Map<string, QueueItem>();
  const now = clock.now();
  for (const [i, runId] of runIds.entries()) {
    const events = [{ id: `evt-${i}`, name: "app/signup", data: { user: `u${i}` }, user: {}, ts: now }];
    const created = await stores.state.createRun({
      runId,
      idempotencyKey: `app-fn:evt-${i}`,
      functionId: "app-fn",
      appId: "app",
      env: "dev",
      events,
      createdAt: now + i,
      maxAttempts: 4,
      ...(i % 7 === 0 ? { correlationId: `parent.${i}` } : {}),
    });
    expect(created.status).toBe("created");
    for (let s = 0; s < i % 5; s++) await stores.state.saveStep(runId, `step-${s}`, JSON.stringify({ data: { i, s } }));
    if (i % 3 === 0) await stores.state.addPending(runId, ["planned-a", "planned-b"]);
    await stores.state.updateRun(runId, { version: i % 4 });
    if (i % 4 === 0) await stores.state.finalize(runId, { status: "Completed", output: `{"i":${i}}`, endedAt: now + 10_000 });
    await stores.pauses.savePause({
      id: `${runId}:wait`,
      runId,
      stepId: "wait",
      kind: "wait",
      env: "dev",
      eventName: "app/approved",
      ...(i % 2 === 0 ? { matchKey: { path: "data.user", value: JSON.stringify(`u${i}`) } } : {}),
      createdAt: now + i,
      expiresAt: now + 60_000,
    });
    const jobs: QueueItem[] = [
      { id: `${runId}:d:${i % 5}`, kind: "discover", runId, tenant: `t${i % 3}`, payload: { i }, availableAt: now + i, attempt: i % 3 },
    ];
    if (i % 10 === 0) jobs.push({ id: `event:${i}`, kind: "event", tenant: "app", payload: { i }, availableAt: now, attempt: 0 });
    for (const job of jobs) {
      expect(await stores.queue.enqueue(job)).toBe(true);
      items.set(job.id, job);
    }
    await history.recordRun({ runId, functionId: "app-fn", eventId: `evt-${i}`, status: "Running", startedAt: now });
  }
  const states = new Map<string, RunState>();
  const pauses = new Map<string, Pause[]>();
  for (const runId of runIds) {
    states.set(runId, (await stores.state.loadRun(runId)) as RunState);
    pauses.set(runId, await stores.pauses.pausesOfRun(runId));
  }
  return { runIds, clock, shards, history, states, pauses, items };
}

/** Every run, pause, key and job is where the 4-shard layout looks, and unchanged. */
export async function expectIntact(world: World): Promise<void> {
  const { runIds } = world;
  const after = shardedOver(world.shards);
  for (const runId of runIds) {
    const state = await after.state.loadRun(runId);
    expect(state, `run ${runId}`).toBeDefined();
    expect(differenceBetween(world.states.get(runId) as RunState, state as RunState), `run ${runId}`).toBeUndefined();
    expect(await after.pauses.pausesOfRun(runId)).toEqual(world.pauses.get(runId));
  }
  // Every key still answers with its run: idempotency survived the move.
  for (const [i, runId] of runIds.entries()) {
    const again = { ...(world.states.get(runId) as RunState).metadata, runId: `NEW${i}`, events: [] };
    expect(await after.state.createRun(again)).toEqual({ status: "exists", runId });
  }
  const matched = await after.pauses.findPauses("dev", {
    id: "e",
    name: "app/approved",
    data: { user: "u4" },
    user: {},
    ts: world.clock.now(),
  });
  expect(matched.map((p) => p.runId).sort()).toEqual([runIds[4], ...runIds.filter((_, i) => i % 2 === 1)].sort());
  // Every job once, as enqueued, on the shard the new layout puts it on (the token names the shard).
  const layout = shardLayout(world.shards);
  // A 0 ms lease holds nothing, so a later look sees every item again.
  const leased = await after.queue.lease({ now: world.clock.now() + runIds.length, leaseMs: 0, limit: 10_000 });
  expect(leased.map((l) => l.item.id).sort()).toEqual([...world.items.keys()].sort());
  for (const { item, token } of leased) {
    expect(item).toEqual(world.items.get(item.id));
    expect(Number(token.split("/")[0])).toBe(layout.ring.ownerOf(item.runId ?? item.id));
  }
}
