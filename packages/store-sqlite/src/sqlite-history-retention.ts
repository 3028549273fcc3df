import type { EventHold, HistoryRetention } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";

/**
 * The retention sweep's deletes on SQLite (`HistoryRetention`), through the indexes of the
 * "retention" migration: each statement reads an index range of at most `limit` rows, so it holds
 * the write lock for milliseconds and the engine's own writes go on between batches.
 */
export class SqliteHistoryRetention implements HistoryRetention {
  constructor(private readonly db: SqliteDatabase) {}

  async endedRunsBefore(endedBefore: number, limit: number): Promise<string[]> {
    const rows = this.db.all<{ run_id: string }>(
      "SELECT run_id FROM history_runs WHERE ended_at IS NOT NULL AND ended_at < ? AND status <> 'Running' ORDER BY ended_at LIMIT ?",
      [endedBefore, limit],
    );
    return rows.map((r) => r.run_id);
  }

  async deleteRuns(runIds: string[]): Promise<number> {
    if (runIds.length === 0) return 0;
    const ids = JSON.stringify(runIds);
    // One transaction: the timeline and the run go together, never a line without its run.
    return this.db.transaction(() => {
      const doomed = "SELECT run_id FROM history_runs WHERE run_id IN (SELECT value FROM json_each(?)) AND status <> 'Running'";
      this.db.run(`DELETE FROM history_steps WHERE run_id IN (${doomed})`, [ids]);
      return this.db.run(`DELETE FROM history_runs WHERE run_id IN (${doomed})`, [ids]).changes;
    });
  }

  async deleteEventsBefore(receivedBefore: number, limit: number, hold?: EventHold): Promise<number> {
    return this.db.run(
      `DELETE FROM history_events WHERE id IN (
         SELECT e.id FROM history_events e WHERE e.received_at < ?
           AND NOT EXISTS (SELECT 1 FROM history_runs r WHERE r.event_id = e.id AND r.status = 'Running')
           AND NOT (e.received_at >= ? AND e.name IN (SELECT value FROM json_each(?)))
         ORDER BY e.received_at LIMIT ?)`,
      [receivedBefore, hold?.since ?? 0, JSON.stringify(hold?.names ?? []), limit],
    ).changes;
  }
}

/** Indexes the sweep reads: finished runs by end time, events by receipt time. */
export const retentionMigration = {
  name: "retention indexes",
  sql: `
    CREATE INDEX history_runs_by_end ON history_runs (ended_at) WHERE ended_at IS NOT NULL;
    CREATE INDEX history_events_by_received ON history_events (received_at);
  `,
};
