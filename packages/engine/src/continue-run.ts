import { isWeftError, RunNotFoundError, StateConflictError } from "@weft/core";
import type { EngineContext } from "./context.js";
import type { SaveStepResult } from "@weft/store";
import { enqueueJob, jobId, type NewJob } from "./jobs.js";
import { completeTimeline, openTimelineLine } from "./timeline.js";

/**
 * Save a result for a step that finished outside a call (a sleep, a wait, an invoke, a planned
 * step) and queue the next discovery. Every completion rediscovers, even with siblings pending, so
 * `Promise.race` moves on at the first finisher; the pending siblings keep immediate execution off.
 * The save is write-once: of an event and a timeout racing for one wait, exactly one is saved; the
 * loser answers false.
 */
export async function saveAndContinue(ctx: EngineContext, runId: string, tenant: string, stepId: string, value: string): Promise<boolean> {
  const saved = await saveStepOnce(ctx, runId, stepId, value);
  if (saved === undefined) return false;
  // Also on an idempotent save: a worker that died after saving never queued the discovery.
  await enqueueDiscovery(ctx, runId, tenant, saved.stackLength);
  return saved.status === "saved";
}

/**
 * The write-once save of a step that finished outside a call; undefined when the run is gone or its
 * step holds another value (the other writer won). Queue its discovery next (`discoveryJob`).
 */
export async function saveStepOnce(ctx: EngineContext, runId: string, stepId: string, value: string): Promise<SaveStepResult | undefined> {
  try {
    return await ctx.stores.state.saveStep(runId, stepId, value);
  } catch (e) {
    if (isWeftError(e, StateConflictError) || isWeftError(e, RunNotFoundError)) return undefined;
    throw e;
  }
}

/** Queue a discovery of the run at this stack length (see `jobId.discover`). */
export async function enqueueDiscovery(ctx: EngineContext, runId: string, tenant: string, stackLength: number): Promise<void> {
  await enqueueJob(ctx.stores.queue, discoveryJob(ctx, runId, tenant, stackLength));
}

/** The discovery of a run at this stack length: several are queued in one write with `enqueueJobs`. */
export function discoveryJob(ctx: EngineContext, runId: string, tenant: string, stackLength: number): NewJob {
  return { id: jobId.discover(runId, stackLength), kind: "discover", runId, tenant, payload: {}, availableAt: ctx.clock.now() };
}

/**
 * A step that finished outside a call with an open timeline line (a sleep, a wait or invoke that
 * timed out, a gateway call) ends with `value`: its write-once save beside the read of its line,
 * then its discovery queued beside the line's closing (when the save won) and `alongside` (a
 * pause's deletion): two round trips instead of four. A crash in between leaves the job that called this to be redelivered: the save is then
 * idempotent and the discovery queued again. Answers whether the save won.
 */
export async function endWait(
  ctx: EngineContext,
  run: { runId: string; tenant: string; stepId: string },
  value: string,
  status: "Completed" | "Failed",
  alongside?: () => Promise<void>,
): Promise<boolean> {
  const { runId, tenant, stepId } = run;
  const [saved, line] = await Promise.all([saveStepOnce(ctx, runId, stepId, value), openTimelineLine(ctx, runId, stepId)]);
  const won = saved?.status === "saved";
  await Promise.all([
    saved && enqueueDiscovery(ctx, runId, tenant, saved.stackLength),
    won && completeTimeline(ctx, runId, stepId, status, value, line),
    alongside?.(),
  ]);
  return won;
}
