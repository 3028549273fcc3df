import type { Clock, Stores } from "@weft/store";
import { PostgresDatabase } from "./postgres-database.js";
import { PostgresFlowStore } from "./postgres-flow-store.js";
import { PostgresHistoryStore } from "./postgres-history-store.js";
import { PostgresPauseStore } from "./postgres-pause-store.js";
import { PostgresQueue } from "./postgres-queue.js";
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
 * All the stores on one Postgres schema, sharing one bounded pool. Nothing connects until
 * `init()`, which connects and migrates once for the bundle and fails fast with
 * `StoreUnavailableError` when the server cannot be reached. The pool ends when the last of the
 * four main stores is closed (`closeStores(stores)` closes them all). `flow` borrows the pool:
 * `closeStores` does not close `flow`, so a flow store holding its own reference would keep the
 * pool open after the bundle was closed.
 */
export function createPostgresStores(url: string, opts: PostgresStoresOptions = {}): Stores {
  const db = new PostgresDatabase(url, { schema: opts.schema, poolSize: opts.poolSize });
  return {
    state: new PostgresRunStateStore(db, { clock: opts.clock }),
    pauses: new PostgresPauseStore(db),
    queue: new PostgresQueue(db, { clock: opts.clock, dedupeWindowMs: opts.dedupeWindowMs }),
    history: new PostgresHistoryStore(db),
    flow: new PostgresFlowStore(db, { borrow: true }),
  };
}
