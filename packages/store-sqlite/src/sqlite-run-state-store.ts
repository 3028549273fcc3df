import { InvalidInputError, RunNotFoundError, StateConflictError } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { systemClock } from "@weft/store";
import type { Clock, CreateRunResult, FinalOutcome, NewRun, RunMetadata, RunState, RunStateStore, RunStatus, SaveStepResult } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";

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
  force_step_plan: number;
  ended_at: number | null;
  stack_length: number;
}

const metadataColumns = `run_id, idempotency_key, function_id, app_id, env, created_at, max_attempts, correlation_id,
  status, version, force_step_plan, ended_at, stack_length`;

/**
 * `RunStateStore` on SQLite. Step values are stored as TEXT and compared as stored; every
 * check-then-write runs in one `BEGIN IMMEDIATE` transaction, so processes sharing the file agree.
 */
export class SqliteRunStateStore implements RunStateStore {
  private readonly clock: Clock;

  constructor(
    private readonly db: SqliteDatabase,
    opts: { clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  async createRun(run: NewRun): Promise<CreateRunResult> {
    return this.db.transaction((): CreateRunResult => {
      const key = this.db.get<{ run_id: string | null; tombstone_until: number | null }>("SELECT run_id, tombstone_until FROM idempotency_keys WHERE key = ?", [
        run.idempotencyKey,
      ]);
      if (key !== undefined) {
        if (key.run_id !== null) return { status: "exists", runId: key.run_id };
        if ((key.tombstone_until ?? 0) > this.clock.now()) return { status: "tombstone" };
      }
      if (this.db.get("SELECT 1 FROM runs WHERE run_id = ?", [run.runId]) !== undefined) {
        throw new InvalidInputError(`run ${run.runId} already exists under another idempotency key`);
      }
      this.db.run(
        `INSERT INTO runs (run_id, idempotency_key, function_id, app_id, env, created_at, max_attempts, correlation_id,
           status, version, force_step_plan, ended_at, output, stack_length, events)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'Running', -1, 0, NULL, NULL, 0, ?)`,
        [
          run.runId,
          run.idempotencyKey,
          run.functionId,
          run.appId,
          run.env,
          run.createdAt,
          run.maxAttempts,
          run.correlationId ?? null,
          JSON.stringify(run.events),
        ],
      );
      this.db.run(
        `INSERT INTO idempotency_keys (key, run_id, tombstone_until) VALUES (?, ?, NULL)
         ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, tombstone_until = NULL`,
        [run.idempotencyKey, run.runId],
      );
      return { status: "created", runId: run.runId };
    });
  }

  async loadRun(runId: string): Promise<RunState | undefined> {
    return this.db.read(() => {
      const row = this.db.get<RunRow & { events: string }>(`SELECT ${metadataColumns}, events FROM runs WHERE run_id = ?`, [runId]);
      if (row === undefined) return undefined;
      const steps = this.db.all<{ step_id: string; output: string }>("SELECT step_id, output FROM steps WHERE run_id = ? ORDER BY seq", [runId]);
      const pending = this.db.all<{ step_id: string }>("SELECT step_id FROM pending_steps WHERE run_id = ?", [runId]);
      return {
        metadata: toMetadata(row),
        events: JSON.parse(row.events) as WeftEvent[],
        steps: new Map(steps.map((s) => [s.step_id, s.output])),
        stack: steps.map((s) => s.step_id),
        pending: new Set(pending.map((p) => p.step_id)),
      };
    });
  }

  async loadMetadata(runId: string): Promise<RunMetadata | undefined> {
    const row = this.db.get<RunRow>(`SELECT ${metadataColumns} FROM runs WHERE run_id = ?`, [runId]);
    return row === undefined ? undefined : toMetadata(row);
  }

  async saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    return this.db.transaction((): SaveStepResult => {
      const run = this.stackLength(runId);
      const existing = this.db.get<{ output: string }>("SELECT output FROM steps WHERE run_id = ? AND step_id = ?", [runId, stepId]);
      if (existing !== undefined) {
        if (existing.output !== output) throw new StateConflictError(runId, stepId);
        return { status: "idempotent", pendingRemaining: this.pendingCount(runId), stackLength: run };
      }
      this.db.run("INSERT INTO steps (run_id, step_id, seq, output) VALUES (?, ?, ?, ?)", [runId, stepId, run, output]);
      this.db.run("UPDATE runs SET stack_length = stack_length + 1 WHERE run_id = ?", [runId]);
      this.db.run("DELETE FROM pending_steps WHERE run_id = ? AND step_id = ?", [runId, stepId]);
      return { status: "saved", pendingRemaining: this.pendingCount(runId), stackLength: run + 1 };
    });
  }

  async addPending(runId: string, stepIds: string[]): Promise<void> {
    this.db.transaction(() => {
      this.stackLength(runId);
      for (const stepId of stepIds) {
        this.db.run(
          `INSERT OR IGNORE INTO pending_steps (run_id, step_id)
           SELECT @runId, @stepId WHERE NOT EXISTS (SELECT 1 FROM steps WHERE run_id = @runId AND step_id = @stepId)`,
          { runId, stepId },
        );
      }
      if (this.pendingCount(runId) > 0) this.db.run("UPDATE runs SET force_step_plan = 1 WHERE run_id = ?", [runId]);
    });
  }

  async updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void> {
    const force = patch.forceStepPlan === undefined ? null : patch.forceStepPlan ? 1 : 0;
    const { changes } = this.db.run(
      `UPDATE runs SET version = COALESCE(@version, version), force_step_plan = COALESCE(@force, force_step_plan)
       WHERE run_id = @runId`,
      { runId, version: patch.version ?? null, force },
    );
    if (changes === 0) throw new RunNotFoundError(runId);
  }

  async finalize(runId: string, outcome: FinalOutcome): Promise<boolean> {
    return this.db.transaction(() => {
      this.stackLength(runId);
      const { changes } = this.db.run("UPDATE runs SET status = ?, output = ?, ended_at = ? WHERE run_id = ? AND status = 'Running'", [
        outcome.status,
        outcome.output ?? null,
        outcome.endedAt,
        runId,
      ]);
      return changes === 1;
    });
  }

  async deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    this.db.transaction(() => {
      const row = this.db.get<{ idempotency_key: string }>("SELECT idempotency_key FROM runs WHERE run_id = ?", [runId]);
      if (row === undefined) return;
      this.db.run("DELETE FROM steps WHERE run_id = ?", [runId]);
      this.db.run("DELETE FROM pending_steps WHERE run_id = ?", [runId]);
      this.db.run("DELETE FROM runs WHERE run_id = ?", [runId]);
      if (tombstoneTtlMs > 0) {
        this.db.run("UPDATE idempotency_keys SET run_id = NULL, tombstone_until = ? WHERE key = ?", [this.clock.now() + tombstoneTtlMs, row.idempotency_key]);
      } else {
        // No tombstone wanted: the row would refuse nothing, so it goes (retention leaves no rows behind).
        this.db.run("DELETE FROM idempotency_keys WHERE key = ? AND run_id = ?", [row.idempotency_key, runId]);
      }
    });
  }

  /** The run's stack length; throws `RunNotFoundError` when there is no such run. */
  private stackLength(runId: string): number {
    const row = this.db.get<{ stack_length: number }>("SELECT stack_length FROM runs WHERE run_id = ?", [runId]);
    if (row === undefined) throw new RunNotFoundError(runId);
    return row.stack_length;
  }

  private pendingCount(runId: string): number {
    return this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM pending_steps WHERE run_id = ?", [runId])?.n ?? 0;
  }
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
    forceStepPlan: row.force_step_plan === 1,
  };
  if (row.correlation_id !== null) metadata.correlationId = row.correlation_id;
  if (row.ended_at !== null) metadata.endedAt = row.ended_at;
  return metadata;
}
