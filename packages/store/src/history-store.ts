import type { WeftEvent } from "@weft/core";
import type { HistoryRetention } from "./history-retention.js";
import type { RunMetricsBucket, RunMetricsQuery } from "./run-metrics.js";
import type { RunStatus } from "./run-state-store.js";

/** An ingested event as received: the internal id is what the API returns and indexes by. */
export interface StoredEvent {
  /** The server's ULID for this receipt (`event.id` is the sender's id when it gave one). */
  internalId: string;
  receivedAt: number;
  event: WeftEvent;
}

export interface RunRecord {
  runId: string;
  functionId: string;
  eventId: string;
  status: RunStatus;
  startedAt: number;
  endedAt?: number;
  /** JSON text of the result or the error. */
  output?: string;
  parentRunId?: string;
}

export type StepEntryStatus = "Running" | "Completed" | "Failed" | "Waiting" | "Errored";

/** One line of a run's timeline: an attempt of a step, a sleep, a wait or an invoke. */
export interface StepEntry {
  runId: string;
  /** Hashed step id (`discovery` for code outside steps). */
  stepId: string;
  attempt: number;
  name: string;
  op: string;
  status: StepEntryStatus;
  startedAt: number;
  endedAt?: number;
  /** JSON text of the output or error. */
  output?: string;
}

/** The page size of `listRuns` and `listEvents` when the caller gives no `limit`. */
export const defaultPageSize = 100;

export interface RunQuery {
  status?: RunStatus;
  functionId?: string;
  /** Page size; default `defaultPageSize` (100). */
  limit?: number;
  /** Runs with a run id below this one (ids sort by time, newest first). */
  before?: string;
}

/**
 * The read model the API, CLI and dashboard read: events, runs and their timelines. Writes here
 * never decide anything the engine relies on; run state and the registry do. The retention
 * sweep's deletes are in `HistoryRetention` (history-retention.ts).
 */
export interface HistoryStore extends HistoryRetention {
  /** Save ingested events durably, keyed by internal id. Saving an id again keeps the first. */
  saveEvents(events: StoredEvent[]): Promise<void>;
  getEvent(internalId: string): Promise<StoredEvent | undefined>;
  /** Newest first by internal id; `before` pages (ids below it), `limit` defaults to `defaultPageSize`. */
  listEvents(opts: { limit?: number; before?: string; name?: string }): Promise<StoredEvent[]>;

  /** Record a new run; recording the same run id again keeps the first. */
  recordRun(run: RunRecord): Promise<void>;
  /** Patch a recorded run; an unknown run id is ignored. */
  updateRun(runId: string, patch: Partial<Pick<RunRecord, "status" | "endedAt" | "output">>): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Newest first by run id, paged with `before`; never a full scan. */
  listRuns(query: RunQuery): Promise<RunRecord[]>;
  /** The runs an event started, oldest first. */
  runsOfEvent(eventId: string): Promise<RunRecord[]>;

  /** Upsert one timeline line, keyed by (runId, stepId, attempt). */
  recordStep(entry: StepEntry): Promise<void>;
  /** A run's timeline ordered by `startedAt` (ties in first-recorded order). */
  listSteps(runId: string): Promise<StepEntry[]>;

  /**
   * Chart data from rollups counted as runs and steps are written, never a scan of the runs: the
   * buckets of `query.widthMs` in [from, to) that counted anything, oldest first, summed over all
   * functions unless one is named. A run counts as started in the bucket of its `startedAt` when
   * first recorded, and as completed, failed or cancelled in the bucket of its `endedAt`, once,
   * when it first gets that end; a timeline line counts its duration in the bucket of its
   * `endedAt` when first recorded with one, unless its op is one of `waitingOps` (a line recorded
   * again never counts again). Only runs recorded before their steps count their steps. A
   * process's own writes are in its answers at once; the SQL stores flush counts to their table
   * within a second, so other processes see them then, and a process that dies loses at most that
   * second's counts.
   */
  runMetrics(query: RunMetricsQuery): Promise<RunMetricsBucket[]>;
}
