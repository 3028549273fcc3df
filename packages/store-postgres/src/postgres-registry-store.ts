import type { AppRecord, ConnectWorkerRecord, FunctionRecord, RegistryStore } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";

/**
 * `RegistryStore` on Postgres: each record as JSON text, keyed by id. Its tables keep the
 * `history_` names they had when apps and functions were part of `HistoryStore` (a rename would be
 * a migration for nothing).
 */
export class PostgresRegistryStore implements RegistryStore {
  private readonly apps: string;
  private readonly functions: string;
  private readonly connectWorkers: string;

  constructor(private readonly db: PostgresDatabase) {
    this.apps = db.table("history_apps");
    this.functions = db.table("history_functions");
    this.connectWorkers = db.table("connect_workers");
  }

  async upsertApp(app: AppRecord): Promise<void> {
    await this.db.execute(`INSERT INTO ${this.apps} (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = excluded.body`, [
      app.id,
      JSON.stringify(app),
    ]);
  }

  async getApp(id: string): Promise<AppRecord | undefined> {
    const [row] = await this.db.query<{ body: string }>(`SELECT body FROM ${this.apps} WHERE id = $1`, [id]);
    return row === undefined ? undefined : (JSON.parse(row.body) as AppRecord);
  }

  async listApps(): Promise<AppRecord[]> {
    const rows = await this.db.query<{ body: string }>(`SELECT body FROM ${this.apps} ORDER BY id`);
    return rows.map((r) => JSON.parse(r.body) as AppRecord);
  }

  /**
   * The removals and upserts commit together, under a transaction-scoped advisory lock on the app:
   * two syncs of one app at once would otherwise each delete from their own snapshot and could
   * leave the union of both function lists.
   */
  async replaceFunctions(appId: string, functions: FunctionRecord[]): Promise<void> {
    // The last record per id wins, as in the memory store (and ON CONFLICT may touch a row once).
    const byId = new Map(functions.map((f) => [f.id, f]));
    const records = [...byId.values()];
    await this.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`weft.functions:${this.db.schema}:${appId}`]);
      await tx.execute(
        `WITH removed AS (
           DELETE FROM ${this.functions} WHERE app_id = $1::text AND id <> ALL($2::text[])
         )
         INSERT INTO ${this.functions} (id, app_id, body)
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[])
         ON CONFLICT (id) DO UPDATE SET app_id = excluded.app_id, body = excluded.body`,
        [appId, [...byId.keys()], records.map((f) => f.appId), records.map((f) => JSON.stringify(f))],
      );
    });
  }

  async getFunction(id: string): Promise<FunctionRecord | undefined> {
    const [row] = await this.db.query<{ body: string }>(`SELECT body FROM ${this.functions} WHERE id = $1`, [id]);
    return row === undefined ? undefined : (JSON.parse(row.body) as FunctionRecord);
  }

  async listFunctions(): Promise<FunctionRecord[]> {
    const rows = await this.db.query<{ body: string }>(`SELECT body FROM ${this.functions} ORDER BY id`);
    return rows.map((r) => JSON.parse(r.body) as FunctionRecord);
  }

  async putConnectWorker(worker: ConnectWorkerRecord): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.connectWorkers} (connection_id, expires_at, body) VALUES ($1, $2, $3)
       ON CONFLICT (connection_id) DO UPDATE SET expires_at = excluded.expires_at, body = excluded.body`,
      [worker.connectionId, worker.expiresAt, JSON.stringify(worker)],
    );
  }

  async removeConnectWorker(connectionId: string): Promise<void> {
    await this.db.execute(`DELETE FROM ${this.connectWorkers} WHERE connection_id = $1`, [connectionId]);
  }

  async listConnectWorkers(now: number): Promise<ConnectWorkerRecord[]> {
    await this.db.execute(`DELETE FROM ${this.connectWorkers} WHERE expires_at <= $1`, [now]);
    const rows = await this.db.query<{ body: string }>(`SELECT body FROM ${this.connectWorkers} WHERE expires_at > $1 ORDER BY connection_id`, [now]);
    return rows.map((r) => JSON.parse(r.body) as ConnectWorkerRecord);
  }
}
