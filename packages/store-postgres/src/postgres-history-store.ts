import type { WeftEvent } from "@weft/core";
import { defaultPageSize } from "@weft/store";
import type { HistoryStore, RunQuery, RunRecord, RunStatus, StepEntry, StepEntryStatus, StoredEvent } from "@weft/store";
import type { PostgresDatabase, SqlValue } from "./postgres-database.js";

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

const runColumns = "run_id, function_id, event_id, status, started_at, ended_at, output, parent_run_id";
const stepColumns = "run_id, step_id, attempt, name, op, status, started_at, ended_at, output";

/**
 * `HistoryStore` on Postgres. Lists page by id through an index (`ORDER BY id DESC LIMIT n` with
 * `id < before`, ids in `COLLATE "C"`), never a full scan. The WHERE clause is built only from the
 * filters given, so each variant gets a plan that uses its index rather than one generic plan
 * with `$n IS NULL OR ...`.
 */
export class PostgresHistoryStore implements HistoryStore {
  private readonly events: string;
  private readonly runs: string;
  private readonly steps: string;

  constructor(private readonly db: PostgresDatabase) {
    this.events = db.table("history_events");
    this.runs = db.table("history_runs");
    this.steps = db.table("history_steps");
  }

  /** One statement; for an id given twice the first row inserted stands, as for one saved earlier. */
  async saveEvents(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.execute(
      `INSERT INTO ${this.events} (id, name, received_at, body)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
       ON CONFLICT (id) DO NOTHING`,
      [events.map((e) => e.internalId), events.map((e) => e.event.name), events.map((e) => e.receivedAt), events.map((e) => JSON.stringify(e.event))],
    );
  }

  async getEvent(internalId: string): Promise<StoredEvent | undefined> {
    const [row] = await this.db.query<EventRow>(`SELECT id, received_at, body FROM ${this.events} WHERE id = $1`, [internalId]);
    return row === undefined ? undefined : toStoredEvent(row);
  }

  async listEvents(opts: { limit?: number; before?: string; name?: string }): Promise<StoredEvent[]> {
    const where = new Conditions();
    if (opts.name !== undefined) where.add("name = $?", opts.name);
    if (opts.before !== undefined) where.add("id < $?", opts.before);
    const rows = await this.db.query<EventRow>(
      `SELECT id, received_at, body FROM ${this.events} ${where.sql()} ORDER BY id DESC LIMIT ${where.param(opts.limit ?? defaultPageSize)}`,
      where.params,
    );
    return rows.map(toStoredEvent);
  }

  async recordRun(run: RunRecord): Promise<void> {
    await this.db.execute(`INSERT INTO ${this.runs} (${runColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id) DO NOTHING`, [
      run.runId,
      run.functionId,
      run.eventId,
      run.status,
      run.startedAt,
      run.endedAt ?? null,
      run.output ?? null,
      run.parentRunId ?? null,
    ]);
  }

  async updateRun(runId: string, patch: Partial<Pick<RunRecord, "status" | "endedAt" | "output">>): Promise<void> {
    await this.db.execute(
      `UPDATE ${this.runs} SET status = COALESCE($2::text, status), ended_at = COALESCE($3::bigint, ended_at),
         output = COALESCE($4::text, output)
       WHERE run_id = $1`,
      [runId, patch.status ?? null, patch.endedAt ?? null, patch.output ?? null],
    );
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const [row] = await this.db.query<RunRow>(`SELECT ${runColumns} FROM ${this.runs} WHERE run_id = $1`, [runId]);
    return row === undefined ? undefined : toRun(row);
  }

  async listRuns(query: RunQuery): Promise<RunRecord[]> {
    const where = new Conditions();
    if (query.status !== undefined) where.add("status = $?", query.status);
    if (query.functionId !== undefined) where.add("function_id = $?", query.functionId);
    if (query.before !== undefined) where.add("run_id < $?", query.before);
    const rows = await this.db.query<RunRow>(
      `SELECT ${runColumns} FROM ${this.runs} ${where.sql()} ORDER BY run_id DESC LIMIT ${where.param(query.limit ?? defaultPageSize)}`,
      where.params,
    );
    return rows.map(toRun);
  }

  async runsOfEvent(eventId: string): Promise<RunRecord[]> {
    const rows = await this.db.query<RunRow>(`SELECT ${runColumns} FROM ${this.runs} WHERE event_id = $1 ORDER BY run_id`, [eventId]);
    return rows.map(toRun);
  }

  async recordStep(entry: StepEntry): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.steps} (${stepColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET name = excluded.name, op = excluded.op,
         status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at,
         output = excluded.output`,
      [
        entry.runId,
        entry.stepId,
        entry.attempt,
        // Postgres text cannot hold NUL: shown as ␀ (U+2400) rather than losing the whole line.
        entry.name.replaceAll("\u0000", "\u2400"),
        entry.op,
        entry.status,
        entry.startedAt,
        entry.endedAt ?? null,
        entry.output ?? null,
      ],
    );
  }

  async listSteps(runId: string): Promise<StepEntry[]> {
    const rows = await this.db.query<StepRow>(`SELECT ${stepColumns} FROM ${this.steps} WHERE run_id = $1 ORDER BY started_at, seq`, [runId]);
    return rows.map(toStep);
  }
}

/** A WHERE clause built from the filters actually given, with numbered parameters. */
class Conditions {
  readonly params: SqlValue[] = [];
  private readonly clauses: string[] = [];

  /** `clause` holds one `$?`, replaced by the next parameter number. */
  add(clause: string, value: SqlValue): void {
    this.clauses.push(clause.replace("$?", this.param(value)));
  }

  param(value: SqlValue): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  sql(): string {
    return this.clauses.length === 0 ? "" : `WHERE ${this.clauses.join(" AND ")}`;
  }
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
