import type { StateBundle } from "@weft/store";
import { CachedRunStateStore } from "./cached-run-state-store.js";
import type { CacheOptions, CacheStats } from "./cached-run-state-store.js";

/** Stores with a run-state cache in front, and its counters. */
export type CachedStores = StateBundle & { cacheStats(): CacheStats };

/**
 * `inner` with run state behind a cache of immutable data (see `CachedRunStateStore`). Pauses and the
 * queue pass through untouched: they are mutable through and through and each read is one indexed
 * lookup already. The flow store passes through too. `init()` and `close()` are `inner`'s (closing
 * also empties the cache).
 */
export function createCachedStores(inner: StateBundle, opts: CacheOptions): CachedStores {
  const state = new CachedRunStateStore(inner.state, opts);
  return {
    state,
    pauses: inner.pauses,
    queue: inner.queue,
    flow: inner.flow,
    cacheStats: () => state.stats(),
    init: () => inner.init(),
    close: async () => {
      state.clear();
      await inner.close();
    },
  };
}
