import type { RunState } from "@weft/store";
import { copyRun, differenceBetween, newRunOf } from "./run-copy.js";
import type { ShardLayout, ShardStores } from "./shard-layout.js";

/** What `moveRun` did with one run. */
export interface RunMoveResult {
  runId: string;
  /**
   * `moved`: its state and pauses now live on another shard. `claim-moved`: the run stayed, only its
   * idempotency key's claim changed shard. `stayed`: nothing to do. `already-moved`: a move of it had
   * already copied it (an earlier or interrupted rebalance); what was left was tidied. `missing`: on
   * neither shard.
   */
  outcome: "moved" | "claim-moved" | "stayed" | "already-moved" | "missing";
  from: string;
  to: string;
  /** Pauses removed from the old shard (copied to the new one first, unless an earlier move had). */
  pauses: number;
}

/**
 * Move one run from where layout `from` puts it to where layout `to` does, with contract methods only.
 * Shards are the same shard when they have the same id in both layouts.
 *
 * A run has up to two copies: its state on the run's shard and, when its idempotency key hashes to
 * another shard, the claim of the key there (see `ShardedRunStateStore`): a copy of the run as it
 * was created, never written to again. In order, each step idempotent:
 *
 * 1. Copy the state to the new run shard (`copyRun`: replay, then read back and compare).
 * 2. Copy its pauses there.
 * 3. Settle the key's claim: make it on the new key shard, delete it from an old key shard that no
 *    longer needs one.
 * 4. Delete the old shard's pauses and, last, its copy of the run; when the old run shard is the new
 *    key shard, its copy is replaced by a fresh claim instead. Deletes tombstone the key with a time
 *    to live of 0, so the old shards do not keep refusing it.
 *
 * Repeating a move, interrupted or not, finishes it and changes nothing else. What a repeat finds on
 * the old shard tells it where the move stood: nothing (done), a fresh claim that differs from the new
 * shard's copy (done: the old shard holds the key's claim), or anything else (not done: the old copy
 * is the run, and copying it again continues an interrupted copy).
 *
 * The run must not change while it moves: run this with the engines stopped (see the README).
 * Queue items move separately, shard by shard (`moveQueueItems`).
 */
export async function moveRun(runId: string, from: ShardLayout, to: ShardLayout): Promise<RunMoveResult> {
  const oldRun = ownerId(from, runId);
  const newRun = ownerId(to, runId);
  const result = { runId, from: oldRun, to: newRun, pauses: 0 };
  const oldShard = storesOf(from, oldRun);
  const old = await oldShard.state.loadRun(runId);
  if (oldRun === newRun) {
    if (old === undefined) return { ...result, outcome: "missing" };
    const key = old.metadata.idempotencyKey;
    const owners = { oldRun, newRun, oldKey: ownerId(from, key), newKey: ownerId(to, key) };
    if (owners.oldKey === owners.newKey) return { ...result, outcome: "stayed" };
    await settleClaim(old, owners, from, to);
    return { ...result, outcome: "claim-moved" };
  }

  const current = await storesOf(to, newRun).state.loadRun(runId);
  const done = old === undefined || (current !== undefined && isFreshClaim(old) && differenceBetween(old, current) !== undefined);
  const run = done ? current : old;
  if (run === undefined) return { ...result, outcome: "missing" };
  const key = run.metadata.idempotencyKey;
  const owners = { oldRun, newRun, oldKey: ownerId(from, key), newKey: ownerId(to, key) };
  if (!done) {
    await copyRun(storesOf(to, newRun).state, run);
    const pauses = await oldShard.pauses.pausesOfRun(runId);
    for (const pause of pauses) await storesOf(to, newRun).pauses.savePause(pause);
  }
  await settleClaim(run, owners, from, to);
  result.pauses = await deletePausesOf(oldShard, runId);
  if (owners.newKey !== oldRun) {
    if (old !== undefined) await oldShard.state.deleteRun(runId, 0);
  } else if (old === undefined || !isFreshClaim(old)) {
    // The old shard holds the key's claim in the new layout: a fresh copy, not the old run. When the
    // old copy is already gone, a move died between these two calls.
    if (old !== undefined) await oldShard.state.deleteRun(runId, 0);
    await claim(oldShard, run);
  }
  return { ...result, outcome: done ? "already-moved" : "moved" };
}

interface Owners {
  oldRun: string;
  newRun: string;
  oldKey: string;
  newKey: string;
}

/**
 * Put the key's claim where `to` wants it (unless that is the run's own shard, or the old run shard,
 * whose copy `moveRun` turns into the claim itself), and delete the claim on an old key shard that
 * holds nothing in the new layout.
 */
async function settleClaim(run: RunState, owners: Owners, from: ShardLayout, to: ShardLayout): Promise<void> {
  const { oldRun, newRun, oldKey, newKey } = owners;
  if (newKey !== newRun && newKey !== oldRun) await claim(storesOf(to, newKey), run);
  if (oldKey !== oldRun && oldKey !== newRun && oldKey !== newKey) await storesOf(from, oldKey).state.deleteRun(run.metadata.runId, 0);
}

/** Make `run`'s claim on `shard`: a `createRun` of the run as created, which must find no other run. */
async function claim(shard: ShardStores, run: RunState): Promise<void> {
  const { runId, idempotencyKey } = run.metadata;
  const made = await shard.state.createRun(newRunOf(run.metadata, run.events));
  if (made.status === "tombstone" || made.runId !== runId) {
    const holder = made.status === "tombstone" ? "a tombstone" : `held by run ${made.runId}`;
    throw new Error(`run ${runId}: its idempotency key ${idempotencyKey} is already ${holder} on the shard that should hold its claim`);
  }
}

/** As `createRun` left it: what every claim looks like, and a run nothing has happened to yet. */
function isFreshClaim(state: RunState): boolean {
  const { metadata } = state;
  const untouched = metadata.status === "Running" && metadata.version === -1 && !metadata.forceStepPlan;
  return untouched && state.stack.length === 0 && state.pending.size === 0;
}

/** The id of the shard that owns `key` in `layout`. */
export function ownerId(layout: ShardLayout, key: string): string {
  return layout.ring.shardIds[layout.ring.ownerOf(key)] as string;
}

/** The stores of the shard with id `id` in `layout`. */
export function storesOf(layout: ShardLayout, id: string): ShardStores {
  const index = layout.ring.shardIds.indexOf(id);
  const stores = layout.shards[index];
  if (stores === undefined) throw new Error(`no shard ${id} in this layout`);
  return stores;
}

async function deletePausesOf(shard: ShardStores, runId: string): Promise<number> {
  const pauses = await shard.pauses.pausesOfRun(runId);
  for (const pause of pauses) await shard.pauses.deletePause(pause.id);
  return pauses.length;
}
