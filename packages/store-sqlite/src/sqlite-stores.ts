import type { Clock, Stores } from "@weft/store";
import { SqliteDatabase } from "./sqlite-database.js";
import { SqliteFlowStore } from "./sqlite-flow-store.js";
import { SqliteHistoryStore } from "./sqlite-history-store.js";
import { SqlitePauseStore } from "./sqlite-pause-store.js";
import { SqliteQueue } from "./sqlite-queue.js";
import { SqliteRunStateStore } from "./sqlite-run-state-store.js";

/**
 * All the stores on one SQLite file (or `:memory:`), sharing one connection, with group commit
 * unless `groupCommit: false` (see `SqliteDatabase`). The connection
 * closes when the last of the four main stores is closed (`closeStores(stores)` closes them all).
 * `flow` borrows it: `closeStores` does not close `flow`, so a flow store holding its own
 * reference would keep the file open after the bundle was closed.
 */
export function createSqliteStores(path: string, opts: { clock?: Clock; dedupeWindowMs?: number; groupCommit?: boolean } = {}): Stores {
  // Without group commit: a connection of its own, one transaction per call.
  const db = opts.groupCommit === false ? SqliteDatabase.open(path) : SqliteDatabase.shared(path);
  return {
    state: settled(db, new SqliteRunStateStore(db, { clock: opts.clock })),
    pauses: settled(db, new SqlitePauseStore(db)),
    queue: settled(db, new SqliteQueue(db, opts)),
    history: settled(db, new SqliteHistoryStore(db)),
    flow: settled(db, new SqliteFlowStore(db, { borrow: true })),
  };
}

/**
 * The store, with every asynchronous method resolving only once the group transaction holding its
 * writes (and whatever it read) is committed: see `SqliteDatabase`.
 */
function settled<T extends object>(db: SqliteDatabase, store: T): T {
  // By function, not by name: a method replaced on the store (a test's spy) is wrapped anew.
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      let method = wrapped.get(value);
      if (method === undefined) {
        method = (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.then(async (v) => (await db.settle(), v)) : result;
        };
        wrapped.set(value, method);
      }
      return method;
    },
  });
}
