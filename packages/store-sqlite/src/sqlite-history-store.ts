import type { WeftEvent } from "@weft/core";
import { defaultPageSize, durationColumns, endCounted, mergeBuckets, RollupBuffer } from "@weft/store";
import type {
  HistoryStore,
  RollupRow,
  RunMetricsBucket,
  RunMetricsQuery,
  RunQuery,
  RunRecord,
  RunStatus,
  StepEntry,
  StepEntryStatus,
  StoredEvent,
} from "@weft/store";
import type { EventHold } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";
import { SqliteHistoryRetention } from "./sqlite-history-retention.js";

interface EventRow {
  id: string;
  received_at: number;
  body: string;
}

interface RunRow {
  run_id: string;
  function_id: string;
  event_id: string;
  status: RunStatus;
  started_at: number;
  ended_at: number | null;
  output: string | null;
  parent_run_id: string | null;
}

interface StepRow {
  run_id: string;
  step_id: string;
  attempt: number;
  name: string;
  op: string;
  status: StepEntryStatus;
  started_at: number;
  ended_at: number | null;
  output: string | null;
}

/**
 * `HistoryStore` on SQLite. Lists page by id through an index (`ORDER BY id DESC LIMIT n` with
 * `id < before`), never a full scan; the SQL for each combination of filters is built from fixed
 * fragments, so the statement cache holds at most a few variants.
 */
export class SqliteHistoryStore implements HistoryStore {
  private readonly retention: SqliteHistoryRetention;
  /** Chart counts of this process's writes, flushed to `history_rollups` within a second. */
  private readonly rollups = new RollupBuffer((rows) => this.writeRollups(rows));

  constructor(private readonly db: SqliteDatabase) {
    this.retention = new SqliteHistoryRetention(db);
  }

  /** Write the chart counts not yet flushed: before the connection closes. */
  flushRollups(): Promise<void> {
    return this.rollups.flush();
  }

  endedRunsBefore(endedBefore: number, limit: number): Promise<string[]> {
    return this.retention.endedRunsBefore(endedBefore, limit);
  }

  deleteRuns(runIds: string[]): Promise<number> {
    return this.retention.deleteRuns(runIds);
  }

  deleteEventsBefore(receivedBefore: number, limit: number, hold?: EventHold): Promise<number> {
    return this.retention.deleteEventsBefore(receivedBefore, limit, hold);
  }

  async saveEvents(events: StoredEvent[]): Promise<void> {
    this.db.transaction(() => {
      for (const e of events) {
        this.db.run("INSERT INTO history_events (id, name, received_at, body) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING", [
          e.internalId,
          e.event.name,
          e.receivedAt,
          JSON.stringify(e.event),
        ]);
      }
    });
  }

  async getEvent(internalId: string): Promise<StoredEvent | undefined> {
    const row = this.db.get<EventRow>("SELECT id, received_at, body FROM history_events WHERE id = ?", [internalId]);
    return row ? toStoredEvent(row) : undefined;
  }

  async listEvents(opts: { limit?: number; before?: string; name?: string }): Promise<StoredEvent[]> {
    const where = [opts.name === undefined ? "" : "name = @name", opts.before === undefined ? "" : "id < @before"];
    const rows = this.db.all<EventRow>(`SELECT id, received_at, body FROM history_events ${whereClause(where)} ORDER BY id DESC LIMIT @limit`, {
      name: opts.name ?? null,
      before: opts.before ?? null,
      limit: opts.limit ?? defaultPageSize,
    });
    return rows.map(toStoredEvent);
  }

  async recordRun(run: RunRecord): Promise<void> {
    const { changes } = this.db.run(
      `INSERT INTO history_runs (run_id, function_id, event_id, status, started_at, ended_at, output, parent_run_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
      [run.runId, run.functionId, run.eventId, run.status, run.startedAt, run.endedAt ?? null, run.output ?? null, run.parentRunId ?? null],
    );
    if (changes === 0) return;
    this.rollups.runStarted(run.functionId, run.startedAt);
    if (endCounted(run)) this.rollups.runEnded(run);
    this.rollups.counted();
  }

  async updateRun(runId: string, patch: Partial<Pick<RunRecord, "status" | "endedAt" | "output">>): Promise<void> {
    // The row before, to count the run's end once (this connection is the file's only writer).
    const before = this.db.get<Pick<RunRow, "function_id" | "status" | "ended_at">>("SELECT function_id, status, ended_at FROM history_runs WHERE run_id = ?", [
      runId,
    ]);
    if (before === undefined) return;
    this.db.run(
      `UPDATE history_runs SET status = COALESCE(@status, status), ended_at = COALESCE(@endedAt, ended_at),
         output = COALESCE(@output, output)
       WHERE run_id = @runId`,
      { runId, status: patch.status ?? null, endedAt: patch.endedAt ?? null, output: patch.output ?? null },
    );
    const after = { functionId: before.function_id, status: patch.status ?? before.status, endedAt: patch.endedAt ?? before.ended_at ?? undefined };
    if (!endCounted({ status: before.status, endedAt: before.ended_at ?? undefined }) && endCounted(after)) {
      this.rollups.runEnded(after);
      this.rollups.counted();
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.db.get<RunRow>("SELECT * FROM history_runs WHERE run_id = ?", [runId]);
    return row === undefined ? undefined : toRun(row);
  }

  async listRuns(query: RunQuery): Promise<RunRecord[]> {
    const where = [
      query.status === undefined ? "" : "status = @status",
      query.functionId === undefined ? "" : "function_id = @functionId",
      query.before === undefined ? "" : "run_id < @before",
    ];
    const rows = this.db.all<RunRow>(`SELECT * FROM history_runs ${whereClause(where)} ORDER BY run_id DESC LIMIT @limit`, {
      status: query.status ?? null,
      functionId: query.functionId ?? null,
      before: query.before ?? null,
      limit: query.limit ?? defaultPageSize,
    });
    return rows.map(toRun);
  }

  async runsOfEvent(eventId: string): Promise<RunRecord[]> {
    return this.db.all<RunRow>("SELECT * FROM history_runs WHERE event_id = ? ORDER BY run_id", [eventId]).map(toRun);
  }

  async recordStep(entry: StepEntry): Promise<void> {
    // Insert, or (the line exists) overwrite: the insert is what counts the line for the charts.
    const params = {
      runId: entry.runId,
      stepId: entry.stepId,
      attempt: entry.attempt,
      name: entry.name,
      op: entry.op,
      status: entry.status,
      startedAt: entry.startedAt,
      endedAt: entry.endedAt ?? null,
      output: entry.output ?? null,
    };
    const { changes } = this.db.run(
      `INSERT INTO history_steps (run_id, step_id, attempt, name, op, status, started_at, ended_at, output)
       VALUES (@runId, @stepId, @attempt, @name, @op, @status, @startedAt, @endedAt, @output) ON CONFLICT (run_id, step_id, attempt) DO NOTHING`,
      params,
    );
    if (changes === 0) {
      this.db.run(
        `UPDATE history_steps SET name = @name, op = @op, status = @status, started_at = @startedAt, ended_at = @endedAt, output = @output
         WHERE run_id = @runId AND step_id = @stepId AND attempt = @attempt`,
        params,
      );
      return;
    }
    if (entry.endedAt === undefined) return;
    const run = this.db.get<{ function_id: string }>("SELECT function_id FROM history_runs WHERE run_id = ?", [entry.runId]);
    if (run === undefined) return;
    this.rollups.stepEnded(run.function_id, entry);
    this.rollups.counted();
  }

  async listSteps(runId: string): Promise<StepEntry[]> {
    return this.db.all<StepRow>("SELECT * FROM history_steps WHERE run_id = ? ORDER BY started_at, rowid", [runId]).map(toStep);
  }

  /** The rollup rows (rollup-migration.ts) of the range, one index range of a few hundred rows, plus the counts not yet flushed. */
  async runMetrics(query: RunMetricsQuery): Promise<RunMetricsBucket[]> {
    const rows = this.db.all<Record<string, number>>(
      `SELECT bucket_start, SUM(started) AS started, SUM(completed) AS completed, SUM(failed) AS failed, SUM(cancelled) AS cancelled,
         ${durationColumns.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
       FROM history_rollups WHERE width_ms = @width AND bucket_start >= @from AND bucket_start < @to
         ${query.functionId === undefined ? "" : "AND function_id = @functionId"}
       GROUP BY bucket_start ORDER BY bucket_start`,
      { width: query.widthMs, from: query.from, to: query.to, functionId: query.functionId ?? null },
    );
    const stored = rows.map((row) => ({
      start: row.bucket_start ?? 0,
      started: row.started ?? 0,
      completed: row.completed ?? 0,
      failed: row.failed ?? 0,
      cancelled: row.cancelled ?? 0,
      stepDurations: durationColumns.map((c) => row[c] ?? 0),
    }));
    return mergeBuckets(stored, this.rollups.query(query));
  }

  private async writeRollups(rows: RollupRow[]): Promise<void> {
    const columns = ["started", "completed", "failed", "cancelled", ...durationColumns];
    this.db.transaction(() => {
      for (const row of rows) {
        const values = [row.started, row.completed, row.failed, row.cancelled, ...row.stepDurations];
        this.db.run(
          `INSERT INTO history_rollups (width_ms, function_id, bucket_start, ${columns.join(", ")})
           VALUES (?, ?, ?, ${columns.map(() => "?").join(", ")})
           ON CONFLICT DO UPDATE SET ${columns.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`,
          [row.widthMs, row.functionId, row.start, ...values],
        );
      }
    });
    await this.db.settle();
  }
}

function whereClause(conditions: string[]): string {
  const used = conditions.filter((c) => c !== "");
  return used.length === 0 ? "" : `WHERE ${used.join(" AND ")}`;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return { internalId: row.id, receivedAt: row.received_at, event: JSON.parse(row.body) as WeftEvent };
}

function toRun(row: RunRow): RunRecord {
  const run: RunRecord = {
    runId: row.run_id,
    functionId: row.function_id,
    eventId: row.event_id,
    status: row.status,
    startedAt: row.started_at,
  };
  if (row.ended_at !== null) run.endedAt = row.ended_at;
  if (row.output !== null) run.output = row.output;
  if (row.parent_run_id !== null) run.parentRunId = row.parent_run_id;
  return run;
}

function toStep(row: StepRow): StepEntry {
  const entry: StepEntry = {
    runId: row.run_id,
    stepId: row.step_id,
    attempt: row.attempt,
    name: row.name,
    op: row.op,
    status: row.status,
    startedAt: row.started_at,
  };
  if (row.ended_at !== null) entry.endedAt = row.ended_at;
  if (row.output !== null) entry.output = row.output;
  return entry;
}
