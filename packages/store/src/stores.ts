import type { FlowStore } from "./flow-store.js";
import type { HistoryStore } from "./history-store.js";
import type { PauseStore } from "./pause-store.js";
import type { Queue } from "./queue.js";
import type { RealtimeBus } from "./realtime-bus.js";
import type { RegistryStore } from "./registry-store.js";
import type { RunStateStore } from "./run-state-store.js";

/** Everything the engine and server read and write, as configured (memory, SQLite, ...). */
export interface Stores {
  state: RunStateStore;
  pauses: PauseStore;
  queue: Queue;
  /** Apps and functions: what the engine triggers and calls. */
  registry: RegistryStore;
  /** The read model of the API, CLI and dashboard: events, runs, timelines. */
  history: HistoryStore;
  /** Flow control shared across engine processes. */
  flow: FlowStore;
  /**
   * Realtime fan-out across the processes sharing this backend (Redis pub/sub, Postgres
   * LISTEN/NOTIFY); absent where the backend has none (SQLite, layers): the server then fans out in
   * its own process. Its connections are the bundle's: `close()` ends them.
   */
  realtime?: RealtimeBus;
}

/** The lifecycle of the connection(s) a bundle's stores share. */
export interface Lifecycle {
  /** Connect, migrate. Called once before any store is used. */
  init(): Promise<void>;
  /** Release the connection(s); a second call is a no-op. */
  close(): Promise<void>;
}

/** The stores that hold runs in flight, as a state backend (`--state`) provides them. */
export type StateStores = Pick<Stores, "state" | "pauses" | "queue" | "flow" | "realtime">;

/** A backend's state stores with their shared lifecycle: what `createRedisStores` and the layers return. */
export type StateBundle = StateStores & Lifecycle;

/** A backend's stores with their shared lifecycle: what `createSqliteStores` & co. return. */
export type StoreBundle = Stores & Lifecycle;
