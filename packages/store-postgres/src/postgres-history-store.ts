import { StoreUnavailableError, isWeftError } from "@weft/core";
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
import type { PostgresDatabase, SqlValue } from "./postgres-database.js";
import { PostgresHistoryRetention } from "./postgres-history-retention.js";
import { WriteCoalescer } from "./write-coalescer.js";

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
  private readonly rollupTable: string;
  private readonly retention: PostgresHistoryRetention;
  /** Chart counts of this process's writes, flushed to `history_rollups` within a second (one statement). */
  private readonly rollups = new RollupBuffer((rows) => this.writeRollups(rows));
  /** Concurrent `saveEvents` calls (an ingest, each ended run's lifecycle events): one insert. */
  private readonly eventWrites = WriteCoalescer.ofGroups<readonly StoredEvent[]>((lists) => this.insertEvents(lists.flat()));
  /**
   * Concurrent `recordStep` calls (a line per step attempt, on every step's path): one upsert. A
   * group the server refuses (a line it cannot store) goes again line by line, so only that line fails.
   */
  private readonly stepWrites = new WriteCoalescer<StepEntry, void>(
    (entry) => this.upsertSteps([entry]),
    async (entries) => {
      await this.upsertSteps(entries);
      return entries.map(() => undefined);
    },
    { retryAlone: (e) => !isWeftError(e, StoreUnavailableError) },
  );

  constructor(private readonly db: PostgresDatabase) {
    this.retention = new PostgresHistoryRetention(db);
    this.events = db.table("history_events");
    this.runs = db.table("history_runs");
    this.steps = db.table("history_steps");
    this.rollupTable = db.table("history_rollups");
  }

  /** Write the chart counts not yet flushed: before the pool closes. */
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

  /**
   * One statement; for an id given twice the first row inserted stands, as for one saved earlier.
   * Saves made while one is being written go together in the next statement (`WriteCoalescer`).
   */
  saveEvents(events: StoredEvent[]): Promise<void> {
    return this.eventWrites.call(events);
  }

  private async insertEvents(events: readonly StoredEvent[]): Promise<void> {
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
    const inserted = await this.db.execute(`INSERT INTO ${this.runs} (${runColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id) DO NOTHING`, [
      run.runId,
      run.functionId,
      run.eventId,
      run.status,
      run.startedAt,
      run.endedAt ?? null,
      run.output ?? null,
      run.parentRunId ?? null,
    ]);
    if (inserted === 0) return;
    this.rollups.runStarted(run.functionId, run.startedAt);
    if (endCounted(run)) this.rollups.runEnded(run);
    this.rollups.counted();
  }

  async updateRun(runId: string, patch: Partial<Pick<RunRecord, "status" | "endedAt" | "output">>): Promise<void> {
    // `old` reads the row as it was before this statement, so the run's end counts once (two
    // updates racing to end one run could both count it; the engine ends a run once).
    const [row] = await this.db.query<{ function_id: string; status: RunStatus; ended_at: number | null; was_ended: boolean }>(
      `UPDATE ${this.runs} r SET status = COALESCE($2::text, r.status), ended_at = COALESCE($3::bigint, r.ended_at),
         output = COALESCE($4::text, r.output)
       FROM (SELECT ended_at IS NOT NULL AND status IN ('Completed', 'Failed', 'Cancelled') AS was_ended FROM ${this.runs} WHERE run_id = $1) old
       WHERE r.run_id = $1
       RETURNING r.function_id, r.status, r.ended_at, old.was_ended`,
      [runId, patch.status ?? null, patch.endedAt ?? null, patch.output ?? null],
    );
    if (row === undefined || row.was_ended) return;
    const after = { functionId: row.function_id, status: row.status, endedAt: row.ended_at ?? undefined };
    if (endCounted(after)) {
      this.rollups.runEnded(after);
      this.rollups.counted();
    }
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

  /**
   * One upsert per (run, step, attempt): a line given again replaces the one before. Lines recorded
   * while one is being written go together in the next statement (`upsertSteps`).
   */
  recordStep(entry: StepEntry): Promise<void> {
    return this.stepWrites.call(entry);
  }

  /**
   * One statement for every line, each as if upserted alone in the order given: a key given twice
   * takes the later line's values at the first one's place (`seq`), and the insert (not the update)
   * counts the first one for the charts, as one-by-one calls would.
   */
  private async upsertSteps(entries: readonly StepEntry[]): Promise<void> {
    const lines = new Map<string, { first: StepEntry; last: StepEntry }>();
    for (const entry of entries) {
      const key = `${entry.attempt}:${entry.runId.length}:${entry.runId}${entry.stepId}`;
      const line = lines.get(key);
      if (line === undefined) lines.set(key, { first: entry, last: entry });
      else line.last = entry;
    }
    const rows = [...lines.values()];
    const last = rows.map((r) => r.last);
    // `xmax = 0` on a row just inserted, not on one updated: the insert is what counts the line for the charts.
    const inserted = await this.db.query<{ ord: string; function_id: string | null }>(
      `WITH written AS (
         INSERT INTO ${this.steps} AS s (${stepColumns})
         SELECT run_id, step_id, attempt, name, op, status, started_at, ended_at, output
         FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[])
           WITH ORDINALITY AS u(run_id, step_id, attempt, name, op, status, started_at, ended_at, output, ord)
         ORDER BY ord
         ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET name = excluded.name, op = excluded.op,
           status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at,
           output = excluded.output
         RETURNING s.run_id, s.step_id, s.attempt, (xmax = 0) AS inserted
       )
       SELECT u.ord, r.function_id
       FROM written w
       JOIN unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS u(run_id, step_id, attempt, ord)
         ON u.run_id = w.run_id AND u.step_id = w.step_id AND u.attempt = w.attempt
       JOIN ${this.runs} r ON r.run_id = w.run_id
       WHERE w.inserted`,
      [
        last.map((e) => e.runId),
        last.map((e) => e.stepId),
        last.map((e) => e.attempt),
        // Postgres text cannot hold NUL: shown as ␀ (U+2400) rather than losing the whole line.
        last.map((e) => e.name.replaceAll("\u0000", "\u2400")),
        last.map((e) => e.op),
        last.map((e) => e.status),
        last.map((e) => e.startedAt),
        last.map((e) => (e.endedAt === undefined ? null : String(e.endedAt))),
        last.map((e) => e.output ?? null),
      ],
    );
    let counted = false;
    for (const row of inserted) {
      const first = rows[Number(row.ord) - 1]?.first;
      if (first === undefined || row.function_id === null || first.endedAt === undefined) continue;
      this.rollups.stepEnded(row.function_id, first);
      counted = true;
    }
    if (counted) this.rollups.counted();
  }

  async listSteps(runId: string): Promise<StepEntry[]> {
    const rows = await this.db.query<StepRow>(`SELECT ${stepColumns} FROM ${this.steps} WHERE run_id = $1 ORDER BY started_at, seq`, [runId]);
    return rows.map(toStep);
  }

  /** The rollup rows (rollup-migration.ts) of the range, one index range of a few hundred rows, plus the counts not yet flushed. */
  async runMetrics(query: RunMetricsQuery): Promise<RunMetricsBucket[]> {
    const where = new Conditions();
    where.add("width_ms = $?", query.widthMs);
    where.add("bucket_start >= $?", query.from);
    where.add("bucket_start < $?", query.to);
    if (query.functionId !== undefined) where.add("function_id = $?", query.functionId);
    const sums = ["started", "completed", "failed", "cancelled", ...durationColumns].map((c) => `sum(${c})::bigint AS ${c}`).join(", ");
    const rows = await this.db.query<Record<string, number>>(
      `SELECT bucket_start, ${sums} FROM ${this.rollupTable} ${where.sql()} GROUP BY bucket_start ORDER BY bucket_start`,
      where.params,
    );
    const stored = rows.map((row) => ({
      start: Number(row.bucket_start),
      started: row.started ?? 0,
      completed: row.completed ?? 0,
      failed: row.failed ?? 0,
      cancelled: row.cancelled ?? 0,
      stepDurations: durationColumns.map((c) => row[c] ?? 0),
    }));
    return mergeBuckets(stored, this.rollups.query(query));
  }

  /** One statement for every row: arrays unnested, added to the rows already there. */
  private async writeRollups(rows: RollupRow[]): Promise<void> {
    const counts = ["started", "completed", "failed", "cancelled", ...durationColumns];
    const arrays: SqlValue[] = [
      rows.map((r) => r.widthMs),
      rows.map((r) => r.functionId),
      rows.map((r) => r.start),
      ...counts.map((c, i) => rows.map((r) => (i < 4 ? r[c as "started"] : (r.stepDurations[i - 4] ?? 0)))),
    ] as SqlValue[];
    await this.db.execute(
      `INSERT INTO ${this.rollupTable} AS r (width_ms, function_id, bucket_start, ${counts.join(", ")})
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], ${counts.map((_, i) => `$${i + 4}::bigint[]`).join(", ")})
       ON CONFLICT (width_ms, function_id, bucket_start) DO UPDATE SET ${counts.map((c) => `${c} = r.${c} + excluded.${c}`).join(", ")}`,
      arrays,
    );
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
