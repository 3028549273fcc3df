import { gcra } from "@weft/store";
import type { FlowStore } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";

/**
 * `FlowStore` on SQLite. Every write is one `BEGIN IMMEDIATE` transaction, which takes the file's
 * write lock before reading, so processes sharing the file see each other's slots, buckets and
 * versions; within a process the calls are synchronous and cannot interleave anyway. The token
 * bucket runs the shared `gcra()` on the stored TAT. Rows are kept per key (a register's for its
 * version count), like the memory store's maps.
 */
export class SqliteFlowStore implements FlowStore {
  constructor(private readonly db: SqliteDatabase) {}

  async acquireSlot(key: string, holder: string, limit: number, expiresAt: number, now: number): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.run("DELETE FROM flow_slots WHERE key = ? AND expires_at <= ?", [key, now]);
      const held = this.db.get("SELECT 1 FROM flow_slots WHERE key = ? AND holder = ?", [key, holder]) !== undefined;
      if (!held) {
        const live = this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM flow_slots WHERE key = ?", [key])?.n ?? 0;
        if (live >= limit) return false;
      }
      this.db.run(
        `INSERT INTO flow_slots (key, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key, holder) DO UPDATE SET expires_at = excluded.expires_at`,
        [key, holder, expiresAt],
      );
      return true;
    });
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    // One statement: its own transaction.
    this.db.run("DELETE FROM flow_slots WHERE key = ? AND holder = ?", [key, holder]);
  }

  async slotHolders(key: string, now: number): Promise<string[]> {
    const rows = this.db.all<{ holder: string }>("SELECT holder FROM flow_slots WHERE key = ? AND expires_at > ?", [key, now]);
    return rows.map((r) => r.holder);
  }

  async takeToken(key: string, rate: { limit: number; periodMs: number; burst: number }, now: number) {
    return this.db.transaction(() => {
      const stored = this.db.get<{ tat: number }>("SELECT tat FROM flow_buckets WHERE key = ?", [key])?.tat;
      const { tat, result } = gcra(stored, rate, now);
      if (result.allowed) {
        this.db.run("INSERT INTO flow_buckets (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat", [key, tat]);
      }
      return result;
    });
  }

  async put(key: string, value: string, expiresAt: number): Promise<number> {
    return this.db.transaction(() => {
      const row = this.db.get<{ version: number }>(
        `INSERT INTO flow_registers (key, value, version, expires_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = version + 1, expires_at = excluded.expires_at
         RETURNING version`,
        [key, value, expiresAt],
      );
      if (row === undefined) throw new Error(`put ${key}: the upsert returned no version`);
      return row.version;
    });
  }

  async putIf(key: string, value: string, expiresAt: number, expected: number | undefined, now: number): Promise<number | undefined> {
    return this.db.transaction(() => {
      const live = this.db.get<{ version: number }>("SELECT version FROM flow_registers WHERE key = ? AND value IS NOT NULL AND expires_at > ?", [key, now]);
      if (live?.version !== expected) return undefined;
      const row = this.db.get<{ version: number }>(
        `INSERT INTO flow_registers (key, value, version, expires_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = version + 1, expires_at = excluded.expires_at
         RETURNING version`,
        [key, value, expiresAt],
      );
      return row?.version;
    });
  }

  async get(key: string, now: number): Promise<{ value: string; version: number } | undefined> {
    const row = this.db.get<{ value: string; version: number }>(
      "SELECT value, version FROM flow_registers WHERE key = ? AND value IS NOT NULL AND expires_at > ?",
      [key, now],
    );
    return row === undefined ? undefined : { value: row.value, version: row.version };
  }

  async deleteIf(key: string, version: number): Promise<boolean> {
    // Clears the value rather than deleting the row: the version must keep counting, or a holder of
    // an old version could delete a later value that happened to get the same number.
    const { changes } = this.db.transaction(() =>
      this.db.run("UPDATE flow_registers SET value = NULL, expires_at = NULL WHERE key = ? AND version = ? AND value IS NOT NULL", [key, version]),
    );
    return changes === 1;
  }
}
