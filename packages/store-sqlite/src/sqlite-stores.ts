import type { Clock, Stores } from "@weft/store";
import { SqliteDatabase } from "./sqlite-database.js";
import { SqliteFlowStore } from "./sqlite-flow-store.js";
import { SqliteHistoryStore } from "./sqlite-history-store.js";
import { SqlitePauseStore } from "./sqlite-pause-store.js";
import { SqliteQueue } from "./sqlite-queue.js";
import { SqliteRunStateStore } from "./sqlite-run-state-store.js";

/**
 * All the stores on one SQLite file (or `:memory:`), sharing one connection. The connection
 * closes when the last of the four main stores is closed (`closeStores(stores)` closes them all).
 * `flow` borrows it: `closeStores` does not close `flow`, so a flow store holding its own
 * reference would keep the file open after the bundle was closed.
 */
export function createSqliteStores(path: string, opts: { clock?: Clock; dedupeWindowMs?: number } = {}): Stores {
  const db = SqliteDatabase.open(path);
  return {
    state: new SqliteRunStateStore(db, { clock: opts.clock }),
    pauses: new SqlitePauseStore(db),
    queue: new SqliteQueue(db, opts),
    history: new SqliteHistoryStore(db),
    flow: new SqliteFlowStore(db, { borrow: true }),
  };
}
