import { InvalidInputError, RunNotFoundError, StateConflictError } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { systemClock } from "../clock.js";
import type { Clock } from "../clock.js";
import type { CreateRunResult, FinalOutcome, NewRun, RunMetadata, RunState, RunStateStore, SaveStepResult } from "../run-state-store.js";

interface StoredRun {
  metadata: RunMetadata;
  events: WeftEvent[];
  steps: Map<string, string>;
  stack: string[];
  pending: Set<string>;
}

/** An idempotency key points at its run, or is a tombstone until a time. */
type KeyEntry = { runId: string } | { tombstoneUntil: number };

/**
 * The reference `RunStateStore`: plain maps. Every method does its work before its first `await`
 * (there is none), so each call is atomic on the single JS thread. Values are deep-copied in and out.
 */
export class MemoryRunStateStore implements RunStateStore {
  private readonly runs = new Map<string, StoredRun>();
  private readonly keys = new Map<string, KeyEntry>();
  private readonly clock: Clock;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? systemClock;
  }

  async createRun(run: NewRun): Promise<CreateRunResult> {
    const key = this.keys.get(run.idempotencyKey);
    if (key !== undefined) {
      if ("runId" in key) return { status: "exists", runId: key.runId };
      if (key.tombstoneUntil > this.clock.now()) return { status: "tombstone" };
    }
    if (this.runs.has(run.runId)) {
      throw new InvalidInputError(`run ${run.runId} already exists under another idempotency key`);
    }
    const { events, ...rest } = structuredClone(run);
    const metadata: RunMetadata = { ...rest, status: "Running", version: -1, forceStepPlan: false };
    this.runs.set(run.runId, { metadata, events, steps: new Map(), stack: [], pending: new Set() });
    this.keys.set(run.idempotencyKey, { runId: run.runId });
    return { status: "created", runId: run.runId };
  }

  async loadRun(runId: string): Promise<RunState | undefined> {
    const run = this.runs.get(runId);
    if (run === undefined) return undefined;
    return {
      metadata: { ...run.metadata },
      events: structuredClone(run.events),
      steps: new Map(run.steps),
      stack: [...run.stack],
      pending: new Set(run.pending),
    };
  }

  async loadMetadata(runId: string): Promise<RunMetadata | undefined> {
    const run = this.runs.get(runId);
    return run === undefined ? undefined : { ...run.metadata };
  }

  async saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    const run = this.mustGet(runId);
    const existing = run.steps.get(stepId);
    if (existing !== undefined) {
      if (existing !== output) throw new StateConflictError(runId, stepId);
      return { status: "idempotent", pendingRemaining: run.pending.size, stackLength: run.stack.length };
    }
    run.steps.set(stepId, output);
    run.stack.push(stepId);
    run.pending.delete(stepId);
    return { status: "saved", pendingRemaining: run.pending.size, stackLength: run.stack.length };
  }

  async addPending(runId: string, stepIds: string[]): Promise<void> {
    const run = this.mustGet(runId);
    for (const id of stepIds) if (!run.steps.has(id)) run.pending.add(id);
    if (run.pending.size > 0) run.metadata.forceStepPlan = true;
  }

  async updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void> {
    const run = this.mustGet(runId);
    if (patch.version !== undefined) run.metadata.version = patch.version;
    if (patch.forceStepPlan !== undefined) run.metadata.forceStepPlan = patch.forceStepPlan;
  }

  async finalize(runId: string, outcome: FinalOutcome): Promise<boolean> {
    const run = this.mustGet(runId);
    if (run.metadata.status !== "Running") return false;
    run.metadata.status = outcome.status;
    run.metadata.endedAt = outcome.endedAt;
    return true;
  }

  async deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    this.runs.delete(runId);
    if (tombstoneTtlMs > 0) this.keys.set(run.metadata.idempotencyKey, { tombstoneUntil: this.clock.now() + tombstoneTtlMs });
    else this.keys.delete(run.metadata.idempotencyKey);
  }

  private mustGet(runId: string): StoredRun {
    const run = this.runs.get(runId);
    if (run === undefined) throw new RunNotFoundError(runId);
    return run;
  }
}
