import type { EventHold, HistoryRetention } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";

/**
 * The retention sweep's deletes on Postgres (`HistoryRetention`), through the indexes of the
 * "retention indexes" migration. Each is one statement over at most `limit` rows, so its row locks
 * last milliseconds; several processes sweeping at once only find rows already gone.
 */
export class PostgresHistoryRetention implements HistoryRetention {
  private readonly events: string;
  private readonly runs: string;
  private readonly steps: string;

  constructor(private readonly db: PostgresDatabase) {
    this.events = db.table("history_events");
    this.runs = db.table("history_runs");
    this.steps = db.table("history_steps");
  }

  async endedRunsBefore(endedBefore: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ run_id: string }>(
      `SELECT run_id FROM ${this.runs} WHERE ended_at IS NOT NULL AND ended_at < $1 AND status <> 'Running' ORDER BY ended_at LIMIT $2`,
      [endedBefore, limit],
    );
    return rows.map((r) => r.run_id);
  }

  /** One statement: the runs and their timelines go together. */
  async deleteRuns(runIds: string[]): Promise<number> {
    if (runIds.length === 0) return 0;
    const [row] = await this.db.query<{ n: string }>(
      `WITH doomed AS (DELETE FROM ${this.runs} WHERE run_id = ANY($1::text[]) AND status <> 'Running' RETURNING run_id),
            lines AS (DELETE FROM ${this.steps} WHERE run_id IN (SELECT run_id FROM doomed))
       SELECT count(*) AS n FROM doomed`,
      [runIds],
    );
    return Number(row?.n ?? 0);
  }

  async deleteEventsBefore(receivedBefore: number, limit: number, hold?: EventHold): Promise<number> {
    return this.db.execute(
      `DELETE FROM ${this.events} WHERE id IN (
         SELECT e.id FROM ${this.events} e WHERE e.received_at < $1
           AND NOT EXISTS (SELECT 1 FROM ${this.runs} r WHERE r.event_id = e.id AND r.status = 'Running')
           AND NOT (e.received_at >= $3 AND e.name = ANY($4::text[]))
         ORDER BY e.received_at LIMIT $2)`,
      [receivedBefore, limit, hold?.since ?? 0, hold?.names ?? []],
    );
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
