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

/** Close the open line of a step that waited (sleep, waitForEvent, invoke). */
export async function completeTimeline(ctx: EngineContext, runId: string, stepId: string, status: StepEntryStatus, output: string | undefined): Promise<void> {
  await closeTimelineLine(ctx, await openTimelineLine(ctx, runId, stepId), status, output);
}

/** The open line of a step that waited, read ahead (beside the step's save) to be closed by `closeTimelineLine`. */
export async function openTimelineLine(ctx: EngineContext, runId: string, stepId: string): Promise<StepEntry | undefined> {
  return (await ctx.stores.history.listSteps(runId)).find((s) => s.stepId === stepId);
}

/** Close a waited step's line read by `openTimelineLine` (nothing when it had none). */
export async function closeTimelineLine(ctx: EngineContext, open: StepEntry | undefined, status: StepEntryStatus, output: string | undefined): Promise<void> {
  if (open) await recordTimeline(ctx, { ...open, status, endedAt: ctx.clock.now(), output });
}
