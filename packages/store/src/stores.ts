import type { FlowStore } from "./flow-store.js";
import type { HistoryStore } from "./history-store.js";
import type { PauseStore } from "./pause-store.js";
import type { Queue } from "./queue.js";
import type { RunStateStore } from "./run-state-store.js";

/** Everything the engine and server read and write, as configured (memory, SQLite, ...). */
export interface Stores {
  state: RunStateStore;
  pauses: PauseStore;
  queue: Queue;
  history: HistoryStore;
  /**
   * Flow control shared across engine processes. Optional while not every backend has one: without
   * it the engine enforces flow control per process only, and says so in its log.
   */
  flow?: FlowStore;
}
