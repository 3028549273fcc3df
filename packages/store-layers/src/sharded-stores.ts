import type { FlowStore } from "@weft/store";
import { ShardedPauseStore } from "./sharded-pause-store.js";
import { ShardedQueue } from "./sharded-queue.js";
import { ShardedRunStateStore } from "./sharded-run-state-store.js";
import { shardLayout } from "./shard-layout.js";
import type { ShardLayoutOptions, ShardStores } from "./shard-layout.js";

export interface ShardedStoresOptions extends ShardLayoutOptions {
  /**
   * The deployment's one flow store, passed through unsharded: a concurrency limit or rate is one
   * number across every run of a function, so its counters must live in one place (say, the first
   * shard's). Without it the bundle has none and the engine limits per process.
   */
  flow?: FlowStore;
}

/**
 * Run state, pauses and queue spread over `shards` by run id on a consistent-hash ring. History is
 * not sharded: it is the API's read model and lives behind `--db`.
 *
 * Every process of a deployment must be given the same shards, in the same order (or with the same
 * `shardIds`) and the same `virtualNodes`. To change the shards, see `rebalance`.
 */
export function createShardedStores(shards: readonly ShardStores[], opts: ShardedStoresOptions = {}): ShardStores {
  const layout = shardLayout(shards, opts);
  const stores: ShardStores = {
    state: new ShardedRunStateStore(layout),
    pauses: new ShardedPauseStore(layout),
    queue: new ShardedQueue(layout),
  };
  if (opts.flow !== undefined) stores.flow = opts.flow;
  return stores;
}
