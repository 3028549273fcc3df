// Builds the REST API's answers from the history's records. The shapes themselves are declared once, in
// @weft/core (api-shapes.ts), which the CLI, the dashboard and the tests read too.
import type { ApiEvent, ApiRun, ApiStep, ApiStepError } from "@weft/core";
import type { RunRecord, StepEntry, StoredEvent } from "@weft/store";

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An end time: null while the run or attempt is still going. */
function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : iso(ms);
}

/** A stored value (`{"data":…}`, `{"error":…}`, `null`, an event) as output and error. */
function parse(text: string | undefined): { data?: unknown; error?: unknown } {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { data: text };
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const v = value as { data?: unknown; error?: unknown };
    const wrapper = Object.keys(v).every((k) => k === "data" || k === "error" || k === "type");
    if (wrapper && ("data" in v || "error" in v)) return v;
  }
  return { data: value };
}

/** An event as received: the sender's event plus the server's id and receive time. */
export function eventJson(e: StoredEvent): ApiEvent {
  return { internal_id: e.internalId, received_at: iso(e.receivedAt), ...e.event };
}

/** A run as Inngest's REST API shows it (`GET /v1/runs/:runId`). */
export function runJson(run: RunRecord): ApiRun {
  const out = parse(run.output);
  return {
    run_id: run.runId,
    function_id: run.functionId,
    event_id: run.eventId,
    status: run.status,
    run_started_at: iso(run.startedAt),
    ended_at: isoOrNull(run.endedAt),
    output: run.status === "Completed" ? (out.data ?? null) : (out.error ?? null),
    ...(run.parentRunId ? { parent_run_id: run.parentRunId } : {}),
  };
}

/** One line of a run's timeline (`GET /v1/runs/:runId/steps`). */
export function stepJson(step: StepEntry): ApiStep {
  const out = parse(step.output);
  return {
    id: step.stepId,
    name: step.name,
    op: step.op,
    status: step.status,
    attempt: step.attempt,
    started_at: iso(step.startedAt),
    ended_at: isoOrNull(step.endedAt),
    ...(out.error !== undefined ? { error: out.error as ApiStepError } : {}),
    ...("data" in out ? { output: out.data } : {}),
  };
}
