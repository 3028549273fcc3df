import type { FlowStore, StateBundle } from "@weft/store";
import { ShardedPauseStore } from "./sharded-pause-store.js";
import { ShardedQueue } from "./sharded-queue.js";
import { ShardedRunStateStore } from "./sharded-run-state-store.js";
import { onEveryShard, shardLayout } from "./shard-layout.js";
import type { ShardLayoutOptions } from "./shard-layout.js";

export interface ShardedStoresOptions extends ShardLayoutOptions {
  /**
   * The deployment's one flow store, passed through unsharded: a concurrency limit or rate is one
   * number across every run of a function, so its counters must live in one place (say, the first
   * shard's, whose bundle owns its connection).
   */
  flow: FlowStore;
}

/**
 * Run state, pauses and queue spread over `shards` by run id on a consistent-hash ring. History and
 * the registry are not sharded: they live behind `--db`. The bundle's `init()` and `close()` init
 * and close every shard's bundle (every shard is tried even if one fails).
 *
 * Every process of a deployment must be given the same shards, in the same order (or with the same
 * `shardIds`) and the same `virtualNodes`. To change the shards, see `rebalance`.
 */
export function createShardedStores(shards: readonly StateBundle[], opts: ShardedStoresOptions): StateBundle {
  const layout = shardLayout(shards, opts);
  return {
    state: new ShardedRunStateStore(layout),
    pauses: new ShardedPauseStore(layout),
    queue: new ShardedQueue(layout),
    flow: opts.flow,
    init: async () => {
      await onEveryShard(layout, (_, i) => (shards[i] as StateBundle).init());
    },
    close: async () => {
      await onEveryShard(layout, (_, i) => (shards[i] as StateBundle).close());
    },
  };
}
