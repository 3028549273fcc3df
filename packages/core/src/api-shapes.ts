// The REST API's answers (`/v1/runs`, `/v1/events`): declared once here, built by the server
// (packages/server/src/api-shapes.ts), read by the CLI, the dashboard and the tests. Types only, so the
// dashboard's browser bundle can `import type` them from @weft/core without pulling in any code.
// They live in core, not in server, because core is the one package everyone may depend on: the
// dashboard must not depend on the server (the server serves the dashboard).
import type { WeftEvent } from "./wire.js";

export type ApiRunStatus = "Running" | "Completed" | "Failed" | "Cancelled";
export type ApiStepStatus = "Running" | "Completed" | "Failed" | "Waiting" | "Errored";

/** A run as Inngest's REST API shows it (`GET /v1/runs/:runId`). */
export interface ApiRun {
  run_id: string;
  function_id: string;
  event_id: string;
  status: ApiRunStatus;
  /** Never null: every run the history holds has a start time (`RunRecord.startedAt` is required). */
  run_started_at: string;
  /** Null while the run is running. */
  ended_at: string | null;
  /** The result when Completed, the error otherwise (null while running). */
  output: unknown;
  /** Set on a run started by `step.invoke`. */
  parent_run_id?: string;
}

/**
 * A failed attempt's error. SDKs send `{name, message, stack}`, but the value is whatever the app
 * sent, so every field is optional.
 */
export interface ApiStepError {
  name?: string;
  message?: string;
  stack?: string;
  [key: string]: unknown;
}

/** One line of a run's timeline (`GET /v1/runs/:runId/steps`). */
export interface ApiStep {
  id: string;
  name: string;
  op: string;
  status: ApiStepStatus;
  attempt: number;
  started_at: string;
  /** Null while the attempt is running or waiting. */
  ended_at: string | null;
  /** Present when the line holds a result. */
  output?: unknown;
  /** Present when the attempt failed. */
  error?: ApiStepError;
}

/** An event as received (`GET /v1/events/:id`): the sender's event plus the server's id and receive time. */
export type ApiEvent = WeftEvent & { internal_id: string; received_at: string };

/** A page of runs (`GET /v1/runs`): `metadata.cursor` fetches the next page, null on the last. */
export interface ApiRunPage {
  data: ApiRun[];
  metadata: { cursor: string | null };
}

/** What `POST /v1/runs/:id/replay` and `/rerun` answer inside `data`. */
export interface ApiRerun {
  run_id: string;
  rerun_of: string;
  from_step?: string;
}

/** The ranges of `GET /v1/metrics/runs?range=`: the last hour (1-minute points), day (15-minute points), week (hourly points). */
export type ApiMetricsRange = "1h" | "24h" | "7d";

/** Counts of runs and step durations over a time bucket (or a whole range). */
export interface ApiRunCounts {
  /** Runs started in the bucket. */
  started: number;
  /** Runs that ended in the bucket, by final status. */
  completed: number;
  failed: number;
  cancelled: number;
  /** failed ÷ (completed + failed + cancelled); null when no run ended. */
  failure_rate: number | null;
  /** Steps that ended in the bucket (sleeps, waits and invokes left out). */
  steps: number;
  /** Step duration percentiles in ms, estimated from a log histogram (√2-wide buckets); null without steps. */
  step_p50_ms: number | null;
  step_p95_ms: number | null;
  step_p99_ms: number | null;
}

/** One point of a chart: the bucket starting at `start`. */
export type ApiRunMetricsPoint = ApiRunCounts & { start: string };

/** `GET /v1/metrics/runs`: every bucket of the range (zeros where nothing happened), the range's totals and the queue now. */
export interface ApiRunMetrics {
  range: ApiMetricsRange;
  /** The function the counts are for; null for all functions. */
  function_id: string | null;
  bucket_ms: number;
  /** The first bucket's start and the last bucket's end. */
  from: string;
  to: string;
  points: ApiRunMetricsPoint[];
  totals: ApiRunCounts;
  /** The queue of every function, now: jobs queued (due or scheduled) and how long the oldest due job has waited. */
  queue: { depth: number; lag_ms: number; at: string };
}

/** A Connect worker (`inngest/connect`) as `GET /v1/apps` lists it (in `data.connect_workers`), whichever process holds its socket. */
export interface ApiConnectWorker {
  connection_id: string;
  /** The apps it serves. */
  apps: string[];
  instance_id: string;
  sdk: string | null;
  /** The server process holding its socket. */
  gateway_id: string;
  /** `ready` takes work; `draining` finishes what it has and leaves. */
  status: "ready" | "draining";
  /** Requests it takes at once (`maxWorkerConcurrency`); null = no limit. */
  max_concurrency: number | null;
  /** Requests in flight on it, as of its last heartbeat. */
  in_flight: number;
  connected_at: string;
  last_heartbeat_at: string;
}

/**
 * `POST /v1/cancellations` (Inngest's bulk cancellation shape, plus `run_ids` and `dry_run`) and
 * `POST /v1/replays`. Times are ISO strings or epoch milliseconds; at least one filter is needed.
 */
export interface ApiBulkRequest {
  app_id?: string;
  /** The function: `<app>-<fn>`, or the fn id alone with `app_id`. */
  function_id?: string;
  /** Runs started at or after this time. */
  started_after?: string | number;
  /** Runs started at or before this time. */
  started_before?: string | number;
  /** A CEL expression over the run's trigger event, e.g. `event.data.userId == 'u1'`. */
  if?: string;
  /** Only these runs (the dashboard's selection). */
  run_ids?: string[];
  /** Replays only: `Failed`, `Cancelled` or both (the default). Cancellations take Running runs only. */
  status?: ApiRunStatus | ApiRunStatus[];
  /** Replays only: rerun from this step (a step id from the timeline) on; runs that did not record it are skipped. */
  from_step?: string;
  /** Count the matching runs and act on none. */
  dry_run?: boolean;
}

/** A bulk cancellation or replay (`GET /v1/cancellations/:id`, `GET /v1/replays/:id`, and what the POST answers). */
export interface ApiBulkOperation {
  id: string;
  kind: "cancel" | "replay";
  status: "running" | "done";
  /** Runs that matched so far. */
  matched: number;
  /** Of those, runs now cancelled (cancellations) … */
  cancelled?: number;
  /** … or replayed (replays). */
  replayed?: number;
  /** Matched runs left alone (ended before their cancel; a replay whose function is gone or lacks `from_step`). */
  skipped: number;
  function_id: string | null;
  started_after: string | null;
  started_before: string | null;
  if: string | null;
  created_at: string;
  ended_at: string | null;
}

/** What a `dry_run` answers: the runs the operation would act on now. */
export interface ApiBulkDryRun {
  dry_run: true;
  matched: number;
}

/**
 * One span of a run's trace (`GET /v1/runs/:id/trace`): a timeline line (a step attempt, a sleep,
 * a wait, a call outside steps) as timing. Times are milliseconds from the run's start.
 */
export interface ApiTraceSpan {
  /** The step's hashed id (`function` for code outside steps). */
  step_id: string;
  name: string;
  op: string;
  status: ApiStepStatus;
  attempt: number;
  /** When the attempt started, from the run's start. */
  start_ms: number;
  /**
   * Time before the attempt started during which the run did nothing else: the queue wait (and the
   * engine's own hop) since the previous line ended, or since the run started.
   */
  queue_ms: number;
  /** How long the attempt ran (or slept / waited); null while it runs or waits. */
  duration_ms: number | null;
  /** Present when the attempt failed. */
  error?: ApiStepError;
}

/** A run's spans as timing data (`GET /v1/runs/:id/trace`), built from the history Weft keeps anyway. */
export interface ApiRunTrace {
  run_id: string;
  function_id: string;
  /** The trace id the run's OTLP spans carry (the sender's when the event came with a `traceparent`). */
  trace_id: string;
  status: ApiRunStatus;
  started_at: string;
  /** Null while the run is running. */
  duration_ms: number | null;
  /** In start order. */
  spans: ApiTraceSpan[];
  /** Total queue wait and total execution (the sum of the spans' `queue_ms` and `duration_ms`). */
  totals: { queue_ms: number; execution_ms: number };
}
