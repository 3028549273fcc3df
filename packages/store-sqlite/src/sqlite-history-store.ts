import type { WeftEvent } from "@weft/core";
import { defaultPageSize } from "@weft/store";
import type { HistoryStore, RunQuery, RunRecord, RunStatus, StepEntry, StepEntryStatus, StoredEvent } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";

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
  constructor(private readonly db: SqliteDatabase) {}

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
    this.db.run(
      `INSERT INTO history_runs (run_id, function_id, event_id, status, started_at, ended_at, output, parent_run_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
      [run.runId, run.functionId, run.eventId, run.status, run.startedAt, run.endedAt ?? null, run.output ?? null, run.parentRunId ?? null],
    );
  }

  async updateRun(runId: string, patch: Partial<Pick<RunRecord, "status" | "endedAt" | "output">>): Promise<void> {
    this.db.run(
      `UPDATE history_runs SET status = COALESCE(@status, status), ended_at = COALESCE(@endedAt, ended_at),
         output = COALESCE(@output, output)
       WHERE run_id = @runId`,
      { runId, status: patch.status ?? null, endedAt: patch.endedAt ?? null, output: patch.output ?? null },
    );
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
    this.db.run(
      `INSERT INTO history_steps (run_id, step_id, attempt, name, op, status, started_at, ended_at, output)
       VALUES (@runId, @stepId, @attempt, @name, @op, @status, @startedAt, @endedAt, @output)
       ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET name = excluded.name, op = excluded.op,
         status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at,
         output = excluded.output`,
      {
        runId: entry.runId,
        stepId: entry.stepId,
        attempt: entry.attempt,
        name: entry.name,
        op: entry.op,
        status: entry.status,
        startedAt: entry.startedAt,
        endedAt: entry.endedAt ?? null,
        output: entry.output ?? null,
      },
    );
  }

  async listSteps(runId: string): Promise<StepEntry[]> {
    return this.db.all<StepRow>("SELECT * FROM history_steps WHERE run_id = ? ORDER BY started_at, rowid", [runId]).map(toStep);
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
