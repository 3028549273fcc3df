import { CachedRunStateStore } from "./cached-run-state-store.js";
import type { CacheOptions, CacheStats } from "./cached-run-state-store.js";
import type { ShardStores } from "./shard-layout.js";

/** Stores with a run-state cache in front, and its counters. */
export type CachedStores = ShardStores & { cacheStats(): CacheStats };

/**
 * `inner` with run state behind a cache of immutable data (see `CachedRunStateStore`). Pauses and the
 * queue pass through untouched: they are mutable through and through and each read is one indexed
 * lookup already. A flow store, if `inner` has one, passes through too.
 */
export function createCachedStores(inner: ShardStores, opts: CacheOptions): CachedStores {
  const state = new CachedRunStateStore(inner.state, opts);
  const stores: CachedStores = { state, pauses: inner.pauses, queue: inner.queue, cacheStats: () => state.stats() };
  if (inner.flow !== undefined) stores.flow = inner.flow;
  return stores;
}
