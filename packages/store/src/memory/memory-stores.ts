import type { Clock } from "../clock.js";
import type { Stores } from "../stores.js";
import { MemoryFlowStore } from "./memory-flow-store.js";
import { MemoryHistoryStore } from "./memory-history-store.js";
import { MemoryPauseStore } from "./memory-pause-store.js";
import { MemoryQueue } from "./memory-queue.js";
import { MemoryRunStateStore } from "./memory-run-state-store.js";

/** All the stores in memory: the reference implementation, for tests and throwaway dev. */
export function createMemoryStores(opts: { clock?: Clock; dedupeWindowMs?: number } = {}): Stores {
  return {
    state: new MemoryRunStateStore({ clock: opts.clock }),
    pauses: new MemoryPauseStore(),
    queue: new MemoryQueue(opts),
    history: new MemoryHistoryStore(),
    flow: new MemoryFlowStore(),
  };
}
