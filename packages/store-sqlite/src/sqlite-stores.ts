import type { Clock, StoreBundle } from "@weft/store";
import { SqliteDatabase } from "./sqlite-database.js";
import { SqliteFlowStore } from "./sqlite-flow-store.js";
import { SqliteHistoryStore } from "./sqlite-history-store.js";
import { SqlitePauseStore } from "./sqlite-pause-store.js";
import { SqliteQueue } from "./sqlite-queue.js";
import { SqliteRegistryStore } from "./sqlite-registry-store.js";
import { SqliteRunStateStore } from "./sqlite-run-state-store.js";

/**
 * All the stores on one SQLite file (or `:memory:`), sharing one connection, with group commit
 * unless `groupCommit: false` (see `SqliteDatabase`). The file is opened and migrated here, so a
 * bad path fails at once; `init()` has nothing left to do. With group commit the connection is the
 * process's one connection to the file, which every bundle on it shares: the bundle holds one
 * reference, and `close()` drops it (once: a second close is a no-op), so the connection closes
 * when the last bundle on the file does.
 */
export function createSqliteStores(path: string, opts: { clock?: Clock; dedupeWindowMs?: number; groupCommit?: boolean } = {}): StoreBundle {
  // Without group commit: a connection of its own, one transaction per call.
  const db = (opts.groupCommit === false ? SqliteDatabase.open(path) : SqliteDatabase.shared(path)).retain();
  let closed = false;
  const history = new SqliteHistoryStore(db);
  return {
    state: settled(db, new SqliteRunStateStore(db, { clock: opts.clock })),
    pauses: settled(db, new SqlitePauseStore(db)),
    queue: settled(db, new SqliteQueue(db, opts)),
    registry: settled(db, new SqliteRegistryStore(db)),
    history: settled(db, history),
    flow: settled(db, new SqliteFlowStore(db)),
    init: async () => {},
    close: async () => {
      if (closed) return;
      closed = true;
      // The chart counts not yet written (at most a second's), while the connection is open.
      await history.flushRollups().catch(() => {});
      db.release();
    },
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
