import type { StepEntry, StepEntryStatus } from "@weft/store";
import type { EngineContext } from "./context.js";

/**
 * Add one line to a run's timeline. History is for people: a failure here never fails a run. A
 * step's failed or errored attempt is logged here, once for every path that records one (`Call`
 * lines are the function's own failures, which the executor logs).
 */
export async function recordTimeline(ctx: EngineContext, entry: StepEntry, functionId?: string): Promise<void> {
  if ((entry.status === "Failed" || entry.status === "Errored") && entry.op !== "Call") {
    ctx.log.warn(`step ${entry.status.toLowerCase()}`, { runId: entry.runId, functionId, stepId: entry.stepId, attempt: entry.attempt, op: entry.op });
  }
  ctx.observer?.stepRecorded(entry);
  try {
    await ctx.stores.history.recordStep(entry);
  } catch (e) {
    ctx.log.warn("could not record a timeline entry", { runId: entry.runId, error: (e as Error).message });
  }
}

/** The open line of a step that waited, read ahead (beside the step's save) for `completeTimeline`. */
export async function openTimelineLine(ctx: EngineContext, runId: string, stepId: string): Promise<StepEntry | undefined> {
  return (await ctx.stores.history.listSteps(runId)).find((s) => s.stepId === stepId);
}

/**
 * Close the open line of a step that waited (sleep, waitForEvent, invoke, a gateway call).
 * `readAhead`: the line `openTimelineLine` read beside the step's save. When that read found none, the
 * line is read now, after the save: a wait's pause is saved before its line is written (executor
 * `schedule`), so an event right behind the pause may have read no line yet.
 */
export async function completeTimeline(
  ctx: EngineContext,
  runId: string,
  stepId: string,
  status: StepEntryStatus,
  output: string | undefined,
  readAhead?: StepEntry,
): Promise<void> {
  const open = readAhead ?? (await openTimelineLine(ctx, runId, stepId));
  if (open) await recordTimeline(ctx, { ...open, status, endedAt: ctx.clock.now(), output });
}
