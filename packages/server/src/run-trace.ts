import type { ApiRunTrace, ApiTraceSpan } from "@weft/core";
import { traceIdOf } from "@weft/engine";
import type { HistoryStore, RunRecord, StepEntry } from "@weft/store";
import { stepJson } from "./api-shapes.js";

/**
 * A run's spans as timing data, from its history record and timeline: no collector needed. Each
 * line's `queue_ms` is the time between the latest moment the run was busy before it (the end of
 * an earlier line, or the run's start) and its own start: for a step, its queue wait and the
 * engine's hop; for parallel steps, each measured from what ended before it began.
 */
export function buildRunTrace(run: RunRecord, steps: StepEntry[], traceId: string): ApiRunTrace {
  const lines = [...steps].sort((a, b) => a.startedAt - b.startedAt);
  const spans: ApiTraceSpan[] = [];
  let queueTotal = 0;
  let execTotal = 0;
  for (const line of lines) {
    let busyUntil = run.startedAt;
    for (const earlier of lines) {
      if (earlier === line) break;
      if (earlier.endedAt !== undefined && earlier.endedAt <= line.startedAt && earlier.endedAt > busyUntil) busyUntil = earlier.endedAt;
    }
    const queueMs = Math.max(0, line.startedAt - busyUntil);
    const durationMs = line.endedAt === undefined ? null : Math.max(0, line.endedAt - line.startedAt);
    queueTotal += queueMs;
    execTotal += durationMs ?? 0;
    const { error } = stepJson(line);
    spans.push({
      step_id: line.stepId,
      name: line.name,
      op: line.op,
      status: line.status,
      attempt: line.attempt,
      start_ms: line.startedAt - run.startedAt,
      queue_ms: queueMs,
      duration_ms: durationMs,
      ...(error !== undefined ? { error } : {}),
    });
  }
  return {
    run_id: run.runId,
    function_id: run.functionId,
    trace_id: traceId,
    status: run.status,
    started_at: new Date(run.startedAt).toISOString(),
    duration_ms: run.endedAt === undefined ? null : run.endedAt - run.startedAt,
    spans,
    totals: { queue_ms: queueTotal, execution_ms: execTotal },
  };
}

/** The trace of a run by id, or undefined when the history has no such run. */
export async function runTrace(history: HistoryStore, runId: string): Promise<ApiRunTrace | undefined> {
  const run = await history.getRun(runId);
  if (!run) return undefined;
  const [steps, trigger] = await Promise.all([history.listSteps(runId), history.getEvent(run.eventId)]);
  return buildRunTrace(run, steps, traceIdOf(runId, trigger?.event));
}
