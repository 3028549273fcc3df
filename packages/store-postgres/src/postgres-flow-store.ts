import { gcra } from "@weft/store";
import type { FlowStore } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";

/**
 * `FlowStore` on Postgres. How each guarantee holds across processes:
 *
 * - acquireSlot: a transaction that first takes a transaction-scoped advisory lock on the key, so
 *   acquires of one key run one at a time; each statement after it (READ COMMITTED) sees every
 *   earlier acquire. A row lock cannot do this: the holders being counted may not have rows yet.
 * - takeToken: a transaction that makes sure the bucket row exists, locks it (`FOR UPDATE`) and
 *   runs the shared `gcra()` on its TAT.
 * - put: one upsert; racers queue on the row's lock, so each gets the next version.
 * - deleteIf: one conditional `UPDATE`, which clears the value and keeps the row and its version.
 * - releaseSlot, slotHolders, get: single statements.
 */
export class PostgresFlowStore implements FlowStore {
  private readonly slots: string;
  private readonly buckets: string;
  private readonly registers: string;

  constructor(private readonly db: PostgresDatabase) {
    this.slots = db.table("flow_slots");
    this.buckets = db.table("flow_buckets");
    this.registers = db.table("flow_registers");
  }

  async acquireSlot(key: string, holder: string, limit: number, expiresAt: number, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`weft.flow:${this.db.schema}:${key}`]);
      await tx.execute(`DELETE FROM ${this.slots} WHERE key = $1 AND expires_at <= $2::bigint`, [key, now]);
      // The holder gets (or keeps) its slot if it already has one, or if fewer than `limit` do.
      const taken = await tx.execute(
        `INSERT INTO ${this.slots} (key, holder, expires_at)
         SELECT $1::text, $2::text, $3::bigint
         WHERE EXISTS (SELECT 1 FROM ${this.slots} WHERE key = $1 AND holder = $2)
            OR (SELECT count(*) FROM ${this.slots} WHERE key = $1) < $4::double precision
         ON CONFLICT (key, holder) DO UPDATE SET expires_at = excluded.expires_at`,
        [key, holder, expiresAt, limit],
      );
      return taken === 1;
    });
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    await this.db.execute(`DELETE FROM ${this.slots} WHERE key = $1 AND holder = $2`, [key, holder]);
  }

  async slotHolders(key: string, now: number): Promise<string[]> {
    const rows = await this.db.query<{ holder: string }>(`SELECT holder FROM ${this.slots} WHERE key = $1 AND expires_at > $2::bigint`, [key, now]);
    return rows.map((r) => r.holder);
  }

  async takeToken(key: string, rate: { limit: number; periodMs: number; burst: number }, now: number) {
    return this.db.transaction(async (tx) => {
      // A new bucket starts at TAT = now, which `gcra()` treats exactly like no bucket (it takes
      // max(TAT, now)). The insert gives `FOR UPDATE` a row to lock; a racing insert of the same
      // key waits for this one and then does nothing.
      await tx.execute(`INSERT INTO ${this.buckets} (key, tat) VALUES ($1, $2::double precision) ON CONFLICT (key) DO NOTHING`, [key, now]);
      const [row] = await tx.query<{ tat: number }>(`SELECT tat FROM ${this.buckets} WHERE key = $1 FOR UPDATE`, [key]);
      const { tat, result } = gcra(row?.tat, rate, now);
      if (result.allowed) await tx.execute(`UPDATE ${this.buckets} SET tat = $2::double precision WHERE key = $1`, [key, tat]);
      return result;
    });
  }

  async put(key: string, value: string, expiresAt: number): Promise<number> {
    const [row] = await this.db.query<{ version: number }>(
      `INSERT INTO ${this.registers} AS r (key, value, version, expires_at) VALUES ($1, $2, 1, $3::bigint)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = r.version + 1, expires_at = excluded.expires_at
       RETURNING r.version`,
      [key, value, expiresAt],
    );
    if (row === undefined) throw new Error(`put ${key}: the upsert returned no version`);
    return row.version;
  }

  async putIf(key: string, value: string, expiresAt: number, expected: number | undefined, now: number): Promise<number | undefined> {
    // One statement each way: ON CONFLICT … WHERE and UPDATE … WHERE both decide under the row lock.
    const [row] =
      expected === undefined
        ? await this.db.query<{ version: number }>(
            `INSERT INTO ${this.registers} AS r (key, value, version, expires_at) VALUES ($1, $2, 1, $3::bigint)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = r.version + 1, expires_at = excluded.expires_at
             WHERE r.value IS NULL OR r.expires_at <= $4::bigint
             RETURNING r.version`,
            [key, value, expiresAt, now],
          )
        : await this.db.query<{ version: number }>(
            `UPDATE ${this.registers} SET value = $2, version = version + 1, expires_at = $3::bigint
             WHERE key = $1 AND value IS NOT NULL AND expires_at > $4::bigint AND version = $5::double precision
             RETURNING version`,
            [key, value, expiresAt, now, expected],
          );
    return row?.version;
  }

  async get(key: string, now: number): Promise<{ value: string; version: number } | undefined> {
    const [row] = await this.db.query<{ value: string; version: number }>(
      `SELECT value, version FROM ${this.registers} WHERE key = $1 AND value IS NOT NULL AND expires_at > $2::bigint`,
      [key, now],
    );
    return row === undefined ? undefined : { value: row.value, version: row.version };
  }

  async deleteIf(key: string, version: number): Promise<boolean> {
    // Clears the value rather than deleting the row: the version must keep counting, or a holder of
    // an old version could delete a later value that happened to get the same number.
    const changed = await this.db.execute(
      `UPDATE ${this.registers} SET value = NULL, expires_at = NULL
       WHERE key = $1 AND version = $2::double precision AND value IS NOT NULL`,
      [key, version],
    );
    return changed === 1;
  }
}
