import { queuePlacementKey } from "./sharded-queue.js";
import { ownerId, storesOf } from "./move-run.js";
import type { ShardLayout } from "./shard-layout.js";

/**
 * The `now` a queue pass leases at: 9999-12-31T23:59:59.999Z, after every item's `availableAt` and
 * every lease's expiry, so one lease call takes every item of a shard.
 */
export const parkedAt = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface QueueMoveReport {
  /** Items now on the shard the new layout puts them on. */
  moved: number;
  /** Items already on their shard, handed back as they were (same `availableAt` and attempt). */
  kept: number;
  /**
   * Items the new shard refused (it has seen their id: a copy from an interrupted pass, or a recent
   * run of that job), left where they were. Harmless to the engine, which tolerates a job delivered
   * twice, but listed so an operator can look.
   */
  refused: string[];
}

/**
 * Move queued items whose shard changes from layout `from` to layout `to`.
 *
 * The `Queue` contract cannot list items, so each shard's items are taken with the one call that
 * reaches them all: a lease at `parkedAt` with a 0 ms lease. Each item is then enqueued on its new
 * shard (same id, payload, `availableAt` and attempt) and dequeued from the old one, or, when it
 * stays, requeued with its own `availableAt` and attempt, which puts it back as it was.
 *
 * Run it with the engines stopped: it takes over any lease a live worker holds. If it is interrupted,
 * the items it had not handed back stay leased until `parkedAt`, out of every worker's reach;
 * running it again takes them (their lease ends exactly at `parkedAt`) and finishes the job.
 */
export async function moveQueueItems(from: ShardLayout, to: ShardLayout): Promise<QueueMoveReport> {
  const report: QueueMoveReport = { moved: 0, kept: 0, refused: [] };
  for (const shardId of from.ring.shardIds) {
    const queue = storesOf(from, shardId).queue;
    const size = await queue.size();
    if (size === 0) continue;
    for (const { item, token } of await queue.lease({ now: parkedAt, leaseMs: 0, limit: size })) {
      const target = ownerId(to, queuePlacementKey(item));
      const restore = { availableAt: item.availableAt, attempt: item.attempt };
      if (target === shardId) {
        await queue.requeue(token, restore);
        report.kept += 1;
      } else if (await storesOf(to, target).queue.enqueue(item)) {
        await queue.dequeue(token);
        report.moved += 1;
      } else {
        await queue.requeue(token, restore);
        report.refused.push(item.id);
      }
    }
  }
  return report;
}
