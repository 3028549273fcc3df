import type { Clock, StoreBundle } from "@weft/store";
import { PostgresDatabase } from "./postgres-database.js";
import { PostgresFlowStore } from "./postgres-flow-store.js";
import { PostgresHistoryStore } from "./postgres-history-store.js";
import { PostgresPauseStore } from "./postgres-pause-store.js";
import { PostgresQueue } from "./postgres-queue.js";
import { PostgresRealtimeBus } from "./postgres-realtime-bus.js";
import { PostgresRegistryStore } from "./postgres-registry-store.js";
import { PostgresRunStateStore } from "./postgres-run-state-store.js";

export interface PostgresStoresOptions {
  /** Time for tombstones, the dedupe window and lease bookkeeping. Default: the system clock. */
  clock?: Clock;
  /** How long a dequeued or dropped job id stays refused. Default 24 h. */
  dedupeWindowMs?: number;
  /** Where the tables live; created if missing. Default `weft`. */
  schema?: string;
  /** Most pooled connections (the queue's LISTEN connection is one more). Default 10. */
  poolSize?: number;
}

/**
 * All the stores on one Postgres schema, sharing one bounded pool that the bundle owns. Nothing
 * connects until `init()`, which connects and migrates (under the schema's advisory lock, see
 * `migrateSchema`) and fails fast with `StoreUnavailableError` when the server cannot be reached.
 * `close()` ends the queue's LISTEN connection and the pool.
 */
export function createPostgresStores(url: string, opts: PostgresStoresOptions = {}): StoreBundle {
  const db = new PostgresDatabase(url, { schema: opts.schema, poolSize: opts.poolSize });
  const queue = new PostgresQueue(db, { clock: opts.clock, dedupeWindowMs: opts.dedupeWindowMs });
  const realtime = new PostgresRealtimeBus(db);
  const history = new PostgresHistoryStore(db);
  return {
    state: new PostgresRunStateStore(db, { clock: opts.clock }),
    pauses: new PostgresPauseStore(db),
    queue,
    registry: new PostgresRegistryStore(db),
    history,
    flow: new PostgresFlowStore(db),
    realtime,
    init: () => db.ready(),
    close: async () => {
      // The chart counts not yet written (at most a second's), while the pool is open.
      await history.flushRollups().catch(() => {});
      await Promise.all([queue.stopListening(), realtime.close()]);
      await db.close();
    },
  };
}
