import { isWeftError, RunNotFoundError, StateConflictError } from "@weft/core";
import type { EngineContext } from "./context.js";
import { enqueueJob, jobId } from "./jobs.js";

/**
 * Save a result for a step that finished outside a call (a sleep, a wait, an invoke, a planned
 * step) and queue the next discovery. Every completion rediscovers, even with siblings pending, so
 * `Promise.race` moves on at the first finisher; the pending siblings keep immediate execution off.
 * The save is write-once: of an event and a timeout racing for one wait, exactly one is saved; the
 * loser answers false.
 */
export async function saveAndContinue(ctx: EngineContext, runId: string, tenant: string, stepId: string, value: string): Promise<boolean> {
  let saved: Awaited<ReturnType<typeof ctx.stores.state.saveStep>>;
  try {
    saved = await ctx.stores.state.saveStep(runId, stepId, value);
  } catch (e) {
    if (isWeftError(e, StateConflictError) || isWeftError(e, RunNotFoundError)) return false;
    throw e;
  }
  // Also on an idempotent save: a worker that died after saving never queued the discovery.
  await enqueueDiscovery(ctx, runId, tenant, saved.stackLength);
  return saved.status === "saved";
}

/** Queue a discovery of the run at this stack length (see `jobId.discover`). */
export async function enqueueDiscovery(ctx: EngineContext, runId: string, tenant: string, stackLength: number): Promise<void> {
  await enqueueJob(ctx.stores.queue, { id: jobId.discover(runId, stackLength), kind: "discover", runId, tenant, payload: {}, availableAt: ctx.clock.now() });
}
