import type { StateStores } from "@weft/store";
import { HashRing, positionalShardIds } from "./hash-ring.js";

/**
 * One shard: run state, pauses and queue on one backend (history and the registry stay unsharded,
 * behind `--db`; of the shards' flow stores, the sharded bundle uses the one it is given).
 */
export type ShardStores = StateStores;

/** How runs are spread: the shards and, optionally, their stable ids and the ring's density. */
export interface ShardLayoutOptions {
  /**
   * Virtual nodes per shard on the ring (default 256). Every process of one deployment must use the
   * same value, or they disagree on where runs live.
   */
  virtualNodes?: number;
  /**
   * A stable id per shard (default `shard-<position>`). The ring places a shard by its id, never by
   * its position, so give ids when a shard may be removed or reordered; with positional ids, only
   * appending a shard keeps the other shards' runs in place.
   */
  shardIds?: readonly string[];
}

/** A layout as the sharded stores and the rebalancer use it. */
export interface ShardLayout {
  readonly ring: HashRing;
  readonly shards: readonly ShardStores[];
}

export function shardLayout(shards: readonly ShardStores[], opts: ShardLayoutOptions = {}): ShardLayout {
  if (shards.length === 0) throw new Error("sharded stores need at least one shard");
  const ids = opts.shardIds ?? positionalShardIds(shards.length);
  if (ids.length !== shards.length) {
    throw new Error(`got ${shards.length} shards but ${ids.length} shard ids`);
  }
  return { ring: new HashRing(ids, opts.virtualNodes), shards: [...shards] };
}

/** The shard that owns `key` (a run id, an idempotency key, or a job id). */
export function shardOf(layout: ShardLayout, key: string): ShardStores {
  return layout.shards[layout.ring.ownerOf(key)] as ShardStores;
}

/** Run `fn` on every shard at once and wait for all of them (every shard is tried even if one fails). */
export async function onEveryShard<T>(layout: ShardLayout, fn: (shard: ShardStores, index: number) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(layout.shards.map((shard, i) => fn(shard, i)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
