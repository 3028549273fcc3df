import { internalEvents, type WeftEvent } from "@weft/core";
import type { FinalOutcome, RunMetadata } from "@weft/store";
import type { EngineContext } from "./context.js";
import { deterministicUlid } from "./deterministic-id.js";
import { ingestEvents } from "./ingest.js";
import { emitsLifecycleEvents } from "./internal-triggers.js";
import { lifecycleEventData } from "./lifecycle-event.js";

export interface RunEnd {
  status: FinalOutcome["status"];
  /** The function's return value (Completed) … */
  result?: unknown;
  /** … or its error (Failed, Cancelled). */
  error?: unknown;
}

/**
 * End a run. The claim is once (`RunStateStore.finalize`), so of two workers racing to end one run
 * only one outcome is kept. Answers whether this call won.
 */
export async function finalizeRun(ctx: EngineContext, meta: RunMetadata, events: WeftEvent[], end: RunEnd): Promise<boolean> {
  const endedAt = ctx.clock.now();
  const output = JSON.stringify(end.status === "Completed" ? { data: end.result ?? null } : { error: end.error });
  const claimed = await ctx.stores.state.finalize(meta.runId, { status: end.status, output, endedAt });
  if (!claimed) return false;
  ctx.observer?.runFinished(meta.runId, meta.functionId, end.status, meta.createdAt, endedAt, end.error, events[0]);
  await afterFinalize(ctx, { ...meta, status: end.status, endedAt }, events, output);
  const level = end.status === "Failed" ? "warn" : "info";
  ctx.log[level](`run ${end.status.toLowerCase()}`, { runId: meta.runId, functionId: meta.functionId });
  ctx.log.debug("run output", { runId: meta.runId, functionId: meta.functionId, output });
  return true;
}

/**
 * Everything that follows the claim: history, pauses, queued work, and the internal events. All of
 * it is idempotent (the events have ids derived from the run), so a job that finds its run already
 * ended repeats it in case the finaliser died half way.
 */
export async function afterFinalize(ctx: EngineContext, meta: RunMetadata, events: WeftEvent[], output: string | undefined): Promise<void> {
  const endedAt = meta.endedAt ?? ctx.clock.now();
  const deletePauses = async () => {
    await Promise.all((await ctx.stores.pauses.pausesOfRun(meta.runId)).map((pause) => ctx.stores.pauses.deletePause(pause.id)));
  };
  // Independent and idempotent, so made at once (one commit on SQLite, one pipeline on Redis);
  // the run's history says it ended only once all of it is done.
  await Promise.all([
    ctx.registry.lookup(meta.functionId).then((fn) => ctx.flow.finished(fn, meta.runId, events[0])),
    deletePauses(),
    ctx.stores.queue.dropRun(meta.runId),
    emitFinished(ctx, meta, events, output, endedAt),
  ]);
  await ctx.stores.history.updateRun(meta.runId, { status: meta.status, endedAt, output });
}

/**
 * `inngest/function.finished` (and `.failed` / `.cancelled`), with ids derived from the run, within
 * the event size limit (`lifecycleEventData`). None for a run a lifecycle event started
 * (`internal-triggers.ts`): ends triggering ends would never stop.
 */
async function emitFinished(ctx: EngineContext, meta: RunMetadata, events: WeftEvent[], output: string | undefined, endedAt: number): Promise<void> {
  if (!emitsLifecycleEvents(events)) return;
  const data = lifecycleEventData(meta, events, output, endedAt, ctx.limits);
  const emitted: { name: string; id: string }[] = [{ name: internalEvents.functionFinished, id: `${meta.runId}:finished` }];
  if (meta.status === "Failed") emitted.push({ name: internalEvents.functionFailed, id: meta.runId });
  if (meta.status === "Cancelled") emitted.push({ name: internalEvents.functionCancelled, id: `${meta.runId}:cancelled` });
  await ingestEvents(
    ctx,
    emitted.map((e) => ({ name: e.name, id: e.id, data, ts: endedAt })),
    { internal: true, skipUnheard: true, ids: emitted.map((e) => deterministicUlid(endedAt, e.id)) },
  );
}
