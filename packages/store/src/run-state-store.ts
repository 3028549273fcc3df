import type { WeftEvent } from "@weft/core";

export type RunStatus = "Running" | "Completed" | "Failed" | "Cancelled";
export const terminalStatuses: readonly RunStatus[] = ["Completed", "Failed", "Cancelled"];

/** What the engine needs to create a run. */
export interface NewRun {
  runId: string;
  /** Runs are unique per key: `<functionId>:<event.id>` for event-triggered runs. */
  idempotencyKey: string;
  functionId: string;
  appId: string;
  env: string;
  events: WeftEvent[];
  createdAt: number;
  /** Total attempts per queue item (retries + 1). */
  maxAttempts: number;
  /** Set when this run was started by `step.invoke`: `<parentRunId>.<stepId>`. */
  correlationId?: string;
}

export interface RunMetadata extends Omit<NewRun, "events"> {
  status: RunStatus;
  /** The request version the SDK answered with; -1 until it has answered. */
  version: number;
  /** Ask the SDK to plan steps rather than run them (parallel steps in flight). */
  forceStepPlan: boolean;
  endedAt?: number;
}

/** Everything an SDK call needs, as stored. Step values are the stored JSON text, untouched. */
export interface RunState {
  metadata: RunMetadata;
  events: WeftEvent[];
  /** Hashed step id → stored JSON text (`{"data":…}`, `{"error":…}`, `null`, an event). */
  steps: Map<string, string>;
  /** Hashed step ids in the order their results were saved. */
  stack: string[];
  /** Hashed step ids planned in parallel and not yet saved. */
  pending: Set<string>;
}

export type CreateRunResult = { status: "created"; runId: string } | { status: "exists"; runId: string } | { status: "tombstone" };

export interface SaveStepResult {
  /** `saved` for the first write, `idempotent` when the same bytes were already there. */
  status: "saved" | "idempotent";
  /** Pending steps left after this save. */
  pendingRemaining: number;
  /** Length of the stack after this save. */
  stackLength: number;
}

export interface FinalOutcome {
  status: Exclude<RunStatus, "Running">;
  /** JSON text of the return value or the error. */
  output: string | undefined;
  endedAt: number;
}

/**
 * The durable state of runs: metadata, trigger events, step results and their order.
 *
 * Deliberately not in this contract: history for the API (that is `HistoryStore`), queueing, and
 * any client, connection or transaction type, or a lifecycle: the connection belongs to the
 * backend's bundle (`StoreBundle.init` / `close`).
 */
export interface RunStateStore {
  /**
   * Create a run. **Idempotent on `idempotencyKey`**: of N concurrent creates with one key, exactly
   * one answers `created`; the others answer `exists` with that run's id. After `deleteRun`, the key
   * answers `tombstone` until its time to live runs out. A `runId` already held under another key
   * throws `InvalidInputError`.
   */
  createRun(run: NewRun): Promise<CreateRunResult>;

  /** The whole state of a run, or undefined. */
  loadRun(runId: string): Promise<RunState | undefined>;

  /** Only the metadata (cheap: no events, no steps). */
  loadMetadata(runId: string): Promise<RunMetadata | undefined>;

  /**
   * Save a step's result. **Write-once per (runId, stepId)**: the same bytes again answer
   * `idempotent`; different bytes throw `StateConflictError` and leave value and stack unchanged.
   * The first save appends `stepId` to the stack and removes it from the pending set, atomically.
   * Throws `RunNotFoundError` for an unknown run.
   */
  saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult>;

  /**
   * Record steps planned in parallel. Ids that already have a result are not added. Sets
   * `forceStepPlan` when any step is left pending; saving steps never clears it (the engine does,
   * through `updateRun`). Throws `RunNotFoundError` for an unknown run.
   */
  addPending(runId: string, stepIds: string[]): Promise<void>;

  /** Update the request version and/or the force-step-plan flag. Throws `RunNotFoundError` for an unknown run. */
  updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void>;

  /**
   * Claim the run's end. **Once**: of any number of racing calls, exactly one answers true and its
   * outcome is kept; the rest answer false and change nothing. Throws `RunNotFoundError` for an
   * unknown run.
   */
  finalize(runId: string, outcome: FinalOutcome): Promise<boolean>;

  /**
   * Delete a run's state, leaving a tombstone on its idempotency key for `tombstoneTtlMs` (measured on
   * the store's clock). Deleting an unknown run is a no-op. A `tombstoneTtlMs` of 0 or less leaves
   * no tombstone: the key is free at once, and a store may drop it (the retention sweep does this).
   */
  deleteRun(runId: string, tombstoneTtlMs: number): Promise<void>;
}
