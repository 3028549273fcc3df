import type { AppRecord, ConnectWorkerRecord, FunctionRecord, RegistryStore } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";

/**
 * `RegistryStore` on SQLite: each record as JSON in `history_apps` / `history_functions` (the table
 * names predate the split from `HistoryStore`; renaming them would need a migration for nothing).
 * `replaceFunctions` runs in one transaction, so a reader sees the old list or the new one.
 */
export class SqliteRegistryStore implements RegistryStore {
  constructor(private readonly db: SqliteDatabase) {}

  async upsertApp(app: AppRecord): Promise<void> {
    this.db.run("INSERT INTO history_apps (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body", [app.id, JSON.stringify(app)]);
  }

  async getApp(id: string): Promise<AppRecord | undefined> {
    return parseBody<AppRecord>(this.db.get("SELECT body FROM history_apps WHERE id = ?", [id]));
  }

  async listApps(): Promise<AppRecord[]> {
    return this.db.all<{ body: string }>("SELECT body FROM history_apps ORDER BY id").map((r) => JSON.parse(r.body) as AppRecord);
  }

  async replaceFunctions(appId: string, functions: FunctionRecord[]): Promise<void> {
    this.db.transaction(() => {
      const keep = new Set(functions.map((f) => f.id));
      for (const { id } of this.db.all<{ id: string }>("SELECT id FROM history_functions WHERE app_id = ?", [appId])) {
        if (!keep.has(id)) this.db.run("DELETE FROM history_functions WHERE id = ?", [id]);
      }
      for (const fn of functions) {
        this.db.run(
          `INSERT INTO history_functions (id, app_id, body) VALUES (?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET app_id = excluded.app_id, body = excluded.body`,
          [fn.id, fn.appId, JSON.stringify(fn)],
        );
      }
    });
  }

  async getFunction(id: string): Promise<FunctionRecord | undefined> {
    return parseBody<FunctionRecord>(this.db.get("SELECT body FROM history_functions WHERE id = ?", [id]));
  }

  async listFunctions(): Promise<FunctionRecord[]> {
    return this.db.all<{ body: string }>("SELECT body FROM history_functions ORDER BY id").map((r) => JSON.parse(r.body) as FunctionRecord);
  }

  async putConnectWorker(worker: ConnectWorkerRecord): Promise<void> {
    this.db.run(
      "INSERT INTO connect_workers (connection_id, expires_at, body) VALUES (?, ?, ?) ON CONFLICT (connection_id) DO UPDATE SET expires_at = excluded.expires_at, body = excluded.body",
      [worker.connectionId, worker.expiresAt, JSON.stringify(worker)],
    );
  }

  async removeConnectWorker(connectionId: string): Promise<void> {
    this.db.run("DELETE FROM connect_workers WHERE connection_id = ?", [connectionId]);
  }

  async listConnectWorkers(now: number): Promise<ConnectWorkerRecord[]> {
    this.db.run("DELETE FROM connect_workers WHERE expires_at <= ?", [now]);
    return this.db
      .all<{ body: string }>("SELECT body FROM connect_workers WHERE expires_at > ? ORDER BY connection_id", [now])
      .map((r) => JSON.parse(r.body) as ConnectWorkerRecord);
  }
}

function parseBody<T>(row: unknown): T | undefined {
  return row === undefined ? undefined : (JSON.parse((row as { body: string }).body) as T);
}
