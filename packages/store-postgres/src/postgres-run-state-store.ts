import { InvalidInputError, RunNotFoundError, StateConflictError, StoreUnavailableError, isWeftError } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { systemClock } from "@weft/store";
import type { Clock, CreateRunResult, FinalOutcome, NewRun, RunMetadata, RunState, RunStateStore, RunStatus, SaveStepResult } from "@weft/store";
import type { PostgresDatabase, SqlExecutor } from "./postgres-database.js";
import { WriteCoalescer } from "./write-coalescer.js";

interface RunRow {
  run_id: string;
  idempotency_key: string;
  function_id: string;
  app_id: string;
  env: string;
  created_at: number;
  max_attempts: number;
  correlation_id: string | null;
  status: RunStatus;
  version: number;
  force_step_plan: boolean;
  ended_at: number | null;
}

interface StepSave {
  runId: string;
  stepId: string;
  output: string;
}

/** A `deleteRun` call: the tombstone's end, or undefined for none (the key goes with the run). */
interface RunDeletion {
  runId: string;
  tombstoneUntil: number | undefined;
}

/** What `save_step` answers for one save. */
interface SaveRow {
  run_found: boolean;
  existing: string | null;
  pending: string;
  stack_length: number;
}

const metadataColumns = `run_id, idempotency_key, function_id, app_id, env, created_at, max_attempts, correlation_id,
  status, version, force_step_plan, ended_at`;

/** A key that changes between createRun's claim and its read is rare; this bounds the retries. */
const createAttempts = 5;

/**
 * `RunStateStore` on Postgres. How each guarantee holds across processes:
 *
 * - createRun: one statement. `INSERT ... ON CONFLICT DO UPDATE ... WHERE` on `idempotency_keys`
 *   claims the key (new, or an expired tombstone) and inserts the run in the same statement; racers
 *   wait on the key's row and then read who won.
 * - saveStep, addPending, deleteRun: a transaction that first locks the run's row (`FOR UPDATE`),
 *   so writes to one run are serialised and the stack grows in commit order; the statements after
 *   the lock read a snapshot that includes every earlier writer. Deletions made while one is being
 *   written go together (`deleteRuns`): one transaction locking its runs in run-id order.
 *   saveStep, on every step's path, is that transaction inside one function call (`save_step`,
 *   migration 6): one round trip.
 *   Saves made while one is being written go together as one statement calling `save_step` once
 *   per save (`saveMany`): one transaction, which locks its runs in run-id order (two groups never
 *   wait on each other in a cycle) and holds them to its commit; a run's saves in it keep the order
 *   they were made, each seeing the ones before, so every save answers as it would alone.
 * - finalize: one conditional `UPDATE ... WHERE status = 'Running'`; a racer re-checks the row
 *   after the winner commits and changes nothing.
 * - loadRun: one statement, so metadata, stack and pending come from one snapshot.
 *
 * Step values are `text` and compared byte for byte.
 */
export class PostgresRunStateStore implements RunStateStore {
  private readonly clock: Clock;
  private readonly runs: string;
  private readonly keys: string;
  private readonly steps: string;
  private readonly pending: string;
  /**
   * Concurrent saves (one on every step's path) made while one is being written: one statement,
   * one commit (`saveMany`). A group the server refuses goes again save by save, so only the bad
   * save fails.
   */
  private readonly saves = new WriteCoalescer<StepSave, SaveRow>(
    (save) => this.saveOne(save),
    (saves) => this.saveMany(saves),
    { retryAlone: (e) => !isWeftError(e, StoreUnavailableError) },
  );

  /**
   * Metadata reads (one on every step's path, beside the save) made while one is being read: one
   * statement. Each is read after it was asked, so it sees every write that returned before.
   */
  private readonly metadataReads = new WriteCoalescer<string, RunMetadata | undefined>(
    (runId) => this.metadataOf([runId]).then(([m]) => m),
    (runIds) => this.metadataOf(runIds),
  );

  /**
   * Run deletions (the retention sweep asks for dozens at once) made while one is being written:
   * one transaction (`deleteRuns`). A group the server refuses goes again run by run.
   */
  private readonly deletions = WriteCoalescer.ofGroups<RunDeletion>((deletions) => this.deleteRuns(deletions), {
    retryAlone: (e) => !isWeftError(e, StoreUnavailableError),
  });

  constructor(
    private readonly db: PostgresDatabase,
    opts: { clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.runs = db.table("runs");
    this.keys = db.table("idempotency_keys");
    this.steps = db.table("steps");
    this.pending = db.table("pending_steps");
  }

  async createRun(run: NewRun): Promise<CreateRunResult> {
    const now = this.clock.now();
    for (let attempt = 0; attempt < createAttempts; attempt++) {
      if (await this.claimAndInsert(run, now)) return { status: "created", runId: run.runId };
      const [key] = await this.db.query<{ run_id: string | null; tombstone_until: number | null }>(
        `SELECT run_id, tombstone_until FROM ${this.keys} WHERE key = $1`,
        [run.idempotencyKey],
      );
      if (key?.run_id != null) return { status: "exists", runId: key.run_id };
      if (key !== undefined && (key.tombstone_until ?? 0) > now) return { status: "tombstone" };
      // The key changed between the claim and this read (its run deleted, or a racing claim rolled
      // back): claim again.
    }
    throw new StoreUnavailableError(`createRun ${run.runId}: idempotency key ${run.idempotencyKey} kept changing`);
  }

  /** True when this call claimed the key and inserted the run. */
  private async claimAndInsert(run: NewRun, now: number): Promise<boolean> {
    try {
      const rows = await this.db.query(
        `WITH claim AS (
           INSERT INTO ${this.keys} AS k (key, run_id, tombstone_until) VALUES ($2::text, $1::text, NULL)
           ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, tombstone_until = NULL
             WHERE k.run_id IS NULL AND k.tombstone_until <= $3::bigint
           RETURNING k.run_id
         )
         INSERT INTO ${this.runs} (run_id, idempotency_key, function_id, app_id, env, created_at, max_attempts,
           correlation_id, status, version, force_step_plan, ended_at, output, stack_length, events)
         SELECT run_id, $2::text, $4::text, $5::text, $6::text, $7::bigint, $8::integer, $9::text,
           'Running', -1, false, NULL, NULL, 0, $10::text
         FROM claim
         RETURNING run_id`,
        [
          run.runId,
          run.idempotencyKey,
          now,
          run.functionId,
          run.appId,
          run.env,
          run.createdAt,
          run.maxAttempts,
          run.correlationId ?? null,
          JSON.stringify(run.events),
        ],
      );
      return rows.length === 1;
    } catch (e) {
      // The whole statement rolled back, key claim included.
      if (isUniqueViolation(e, "runs_pkey")) {
        throw new InvalidInputError(`run ${run.runId} already exists under another idempotency key`);
      }
      throw e;
    }
  }

  async loadRun(runId: string): Promise<RunState | undefined> {
    const [row] = await this.db.query<RunRow & { events: string; stack: string[]; outputs: string[]; pending: string[] }>(
      `SELECT ${metadataColumns}, events,
         ARRAY(SELECT step_id FROM ${this.steps} s WHERE s.run_id = r.run_id ORDER BY seq) AS stack,
         ARRAY(SELECT output FROM ${this.steps} s WHERE s.run_id = r.run_id ORDER BY seq) AS outputs,
         ARRAY(SELECT step_id FROM ${this.pending} p WHERE p.run_id = r.run_id) AS pending
       FROM ${this.runs} r WHERE r.run_id = $1`,
      [runId],
    );
    if (row === undefined) return undefined;
    return {
      metadata: toMetadata(row),
      events: JSON.parse(row.events) as WeftEvent[],
      steps: new Map(row.stack.map((id, i) => [id, row.outputs[i] ?? ""])),
      stack: row.stack,
      pending: new Set(row.pending),
    };
  }

  loadMetadata(runId: string): Promise<RunMetadata | undefined> {
    return this.metadataReads.call(runId);
  }

  /** The metadata of each run, in the order given; one statement. */
  private async metadataOf(runIds: readonly string[]): Promise<(RunMetadata | undefined)[]> {
    const rows =
      runIds.length === 1
        ? await this.db.query<RunRow>(`SELECT ${metadataColumns} FROM ${this.runs} WHERE run_id = $1`, runIds)
        : await this.db.query<RunRow>(`SELECT ${metadataColumns} FROM ${this.runs} WHERE run_id = ANY($1::text[])`, [runIds]);
    const byId = new Map(rows.map((row) => [row.run_id, row]));
    return runIds.map((runId) => {
      const row = byId.get(runId);
      return row === undefined ? undefined : toMetadata(row);
    });
  }

  async saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    const row = await this.saves.call({ runId, stepId, output });
    if (!row.run_found) throw new RunNotFoundError(runId);
    const pendingRemaining = Number(row.pending);
    if (row.existing === null) return { status: "saved", pendingRemaining, stackLength: row.stack_length };
    if (row.existing !== output) throw new StateConflictError(runId, stepId);
    return { status: "idempotent", pendingRemaining, stackLength: row.stack_length };
  }

  /** One save alone: one round trip (`save_step`, migration 6). */
  private async saveOne(save: StepSave): Promise<SaveRow> {
    const [row] = await this.db.query<SaveRow>(
      `SELECT run_found, existing, pending, stack_length FROM ${this.db.table("save_step")}($1::text, $2::text, $3::text)`,
      [save.runId, save.stepId, save.output],
    );
    if (row === undefined) throw new Error(`saveStep ${save.runId}/${save.stepId}: no result row`);
    return row;
  }

  /**
   * Saves of several runs in one statement, so one transaction: `save_step` once per save, runs in
   * id order (two groups lock their common runs in the same order and cannot deadlock), a run's
   * saves in the order made. Each call sees the saves before it in the group, as if committed.
   */
  private async saveMany(saves: readonly StepSave[]): Promise<SaveRow[]> {
    const order = saves.map((_, i) => i).sort((a, b) => compareIds((saves[a] as StepSave).runId, (saves[b] as StepSave).runId) || a - b);
    const sorted = order.map((i) => saves[i] as StepSave);
    const rows = await this.db.query<SaveRow & { ord: string }>(
      `SELECT u.ord, s.run_found, s.existing, s.pending, s.stack_length
       FROM (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(run_id, step_id, output, ord) ORDER BY ord) u
       CROSS JOIN LATERAL ${this.db.table("save_step")}(u.run_id, u.step_id, u.output) s`,
      [sorted.map((s) => s.runId), sorted.map((s) => s.stepId), sorted.map((s) => s.output)],
    );
    const answers: SaveRow[] = new Array(saves.length);
    for (const row of rows) answers[order[Number(row.ord) - 1] as number] = row;
    for (const [i, save] of saves.entries()) {
      if (answers[i] === undefined) throw new Error(`saveStep ${save.runId}/${save.stepId}: no result row`);
    }
    return answers;
  }

  async addPending(runId: string, stepIds: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Locked, so a step saved concurrently is either visible here (and skipped) or saved after.
      await this.lockRun(tx, runId);
      await tx.execute(
        `WITH added AS (
           INSERT INTO ${this.pending} (run_id, step_id)
           SELECT DISTINCT $1::text, u.id FROM unnest($2::text[]) AS u(id)
           WHERE NOT EXISTS (SELECT 1 FROM ${this.steps} s WHERE s.run_id = $1::text AND s.step_id = u.id)
           ON CONFLICT DO NOTHING
           RETURNING 1
         )
         UPDATE ${this.runs} SET force_step_plan = true
         WHERE run_id = $1::text
           AND (EXISTS (SELECT 1 FROM added) OR EXISTS (SELECT 1 FROM ${this.pending} WHERE run_id = $1::text))`,
        [runId, stepIds],
      );
    });
  }

  async updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void> {
    const changed = await this.db.execute(
      `UPDATE ${this.runs} SET version = COALESCE($2::integer, version),
         force_step_plan = COALESCE($3::boolean, force_step_plan)
       WHERE run_id = $1`,
      [runId, patch.version ?? null, patch.forceStepPlan ?? null],
    );
    if (changed === 0) throw new RunNotFoundError(runId);
  }

  async finalize(runId: string, outcome: FinalOutcome): Promise<boolean> {
    const [row] = await this.db.query<{ claimed: boolean; found: boolean }>(
      `WITH claimed AS (
         UPDATE ${this.runs} SET status = $2::text, output = $3::text, ended_at = $4::bigint
         WHERE run_id = $1::text AND status = 'Running'
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM claimed) AS claimed,
         EXISTS (SELECT 1 FROM ${this.runs} WHERE run_id = $1::text) AS found`,
      [runId, outcome.status, outcome.output ?? null, outcome.endedAt],
    );
    if (row?.claimed === true) return true;
    if (row?.found !== true) throw new RunNotFoundError(runId);
    return false;
  }

  deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    return this.deletions.call({ runId, tombstoneUntil: tombstoneTtlMs > 0 ? this.clock.now() + tombstoneTtlMs : undefined });
  }

  /**
   * Delete runs with their steps, pending marks and idempotency keys (a tombstone where one is
   * asked for): one transaction of two statements, whatever the number of runs.
   */
  private async deleteRuns(deletions: readonly RunDeletion[]): Promise<void> {
    // The first call for a run decides its tombstone (alone, a second call would find the run gone).
    const first = new Map<string, number | null>();
    for (const d of deletions) if (!first.has(d.runId)) first.set(d.runId, d.tombstoneUntil ?? null);
    await this.db.transaction(async (tx) => {
      // Rows are locked in run-id order, as grouped saves lock them, so two groups never wait on
      // each other in a cycle. Deleting a row waits for any save holding its lock; the next
      // statement, with a newer snapshot, then sees that save's steps.
      const gone = await tx.query<{ run_id: string; idempotency_key: string }>(
        `WITH doomed AS (SELECT run_id FROM ${this.runs} WHERE run_id = ANY($1::text[]) ORDER BY run_id FOR UPDATE)
         DELETE FROM ${this.runs} r USING doomed WHERE r.run_id = doomed.run_id
         RETURNING r.run_id, r.idempotency_key`,
        [[...first.keys()]],
      );
      if (gone.length === 0) return;
      const runIds = gone.map((g) => g.run_id);
      // No tombstone wanted: the key's row would refuse nothing, so it goes (retention leaves no rows behind).
      await tx.execute(
        `WITH gone AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS g(run_id, key, until)),
           steps_gone AS (DELETE FROM ${this.steps} WHERE run_id = ANY($1::text[])),
           pending_gone AS (DELETE FROM ${this.pending} WHERE run_id = ANY($1::text[])),
           tombstoned AS (
             UPDATE ${this.keys} k SET run_id = NULL, tombstone_until = gone.until
             FROM gone WHERE gone.until IS NOT NULL AND k.key = gone.key AND k.run_id = gone.run_id
           )
         DELETE FROM ${this.keys} k USING gone WHERE gone.until IS NULL AND k.key = gone.key AND k.run_id = gone.run_id`,
        [runIds, gone.map((g) => g.idempotency_key), runIds.map((id) => first.get(id) ?? null)],
      );
    });
  }

  /** Lock the run's row for this transaction; its stack length, or `RunNotFoundError`. */
  private async lockRun(tx: SqlExecutor, runId: string): Promise<number> {
    const [run] = await tx.query<{ stack_length: number }>(`SELECT stack_length FROM ${this.runs} WHERE run_id = $1 FOR UPDATE`, [runId]);
    if (run === undefined) throw new RunNotFoundError(runId);
    return run.stack_length;
  }
}

/** A total order on run ids (code units), the same in every process: the order a group locks its runs in. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isUniqueViolation(e: unknown, constraint: string): boolean {
  const { code, constraint: name } = (e ?? {}) as { code?: unknown; constraint?: unknown };
  return code === "23505" && name === constraint;
}

function toMetadata(row: RunRow): RunMetadata {
  const metadata: RunMetadata = {
    runId: row.run_id,
    idempotencyKey: row.idempotency_key,
    functionId: row.function_id,
    appId: row.app_id,
    env: row.env,
    createdAt: row.created_at,
    maxAttempts: row.max_attempts,
    status: row.status,
    version: row.version,
    forceStepPlan: row.force_step_plan,
  };
  if (row.correlation_id !== null) metadata.correlationId = row.correlation_id;
  if (row.ended_at !== null) metadata.endedAt = row.ended_at;
  return metadata;
}
