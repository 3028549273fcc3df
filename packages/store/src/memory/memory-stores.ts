import type { Clock } from "../clock.js";
import type { StoreBundle } from "../stores.js";
import { MemoryFlowStore } from "./memory-flow-store.js";
import { MemoryHistoryStore } from "./memory-history-store.js";
import { MemoryPauseStore } from "./memory-pause-store.js";
import { MemoryQueue } from "./memory-queue.js";
import { MemoryRealtimeBus } from "./memory-realtime-bus.js";
import { MemoryRegistryStore } from "./memory-registry-store.js";
import { MemoryRunStateStore } from "./memory-run-state-store.js";

/**
 * All the stores in memory: the reference implementation, for tests and throwaway dev. There is no
 * connection, so `init` and `close` do nothing (the data lives as long as the bundle). A plain
 * object, so `{ ...bundle, history }` keeps its `init` and `close`.
 */
export function createMemoryStores(opts: { clock?: Clock; dedupeWindowMs?: number } = {}): StoreBundle {
  return {
    state: new MemoryRunStateStore({ clock: opts.clock }),
    pauses: new MemoryPauseStore(),
    queue: new MemoryQueue(opts),
    registry: new MemoryRegistryStore(),
    history: new MemoryHistoryStore(),
    flow: new MemoryFlowStore(),
    realtime: new MemoryRealtimeBus(),
    init: async () => {},
    close: async () => {},
  };
}
