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
