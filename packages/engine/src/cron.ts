import { internalEvents, parseCron, type WeftEvent } from "@weft/core";
import type { FunctionRecord } from "@weft/store";
import type { EngineContext } from "./context.js";
import { deterministicUlid } from "./deterministic-id.js";
import { enqueueJob, jobId, type Job } from "./jobs.js";
import { startRun } from "./run-starter.js";

function cronsOf(fn: FunctionRecord): string[] {
  return fn.config.triggers.flatMap((t) => ("cron" in t ? [t.cron] : []));
}

/**
 * Queue the next tick of every cron trigger. Each tick is a job whose id names the function, the
 * schedule and the time, so every engine process may call this at once and a tick still fires
 * once: the queue refuses the duplicates.
 */
export async function scheduleCrons(ctx: EngineContext, functions: FunctionRecord[]): Promise<void> {
  const now = ctx.clock.now();
  for (const fn of functions) {
    for (const cron of cronsOf(fn)) {
      try {
        await enqueueTick(ctx, fn, cron, parseCron(cron).next(now));
      } catch (e) {
        ctx.log.warn(`cron trigger of ${fn.id} not scheduled: ${(e as Error).message}`, { functionId: fn.id });
      }
    }
  }
}

function enqueueTick(ctx: EngineContext, fn: FunctionRecord, cron: string, at: number): Promise<boolean> {
  return enqueueJob(ctx.stores.queue, {
    id: jobId.cron(fn.id, cron, at),
    kind: "cron",
    tenant: fn.appId,
    payload: { functionId: fn.id, cron, scheduledAt: at },
    availableAt: at,
  });
}

/**
 * A tick is due: start the function with an `inngest/scheduled.timer` event (protocol §8) and queue
 * the next tick. A tick whose function or schedule was removed by a later sync is dropped.
 */
export async function fireCron(ctx: EngineContext, item: Job<"cron">): Promise<void> {
  const { functionId, cron, scheduledAt } = item.payload;
  const fn = await ctx.registry.lookup(functionId);
  if (!fn || !cronsOf(fn).includes(cron)) return;
  const now = ctx.clock.now();
  if (await ctx.flow.isPaused(fn.id)) {
    await enqueueTick(ctx, fn, cron, parseCron(cron).next(Math.max(now, scheduledAt)));
    return;
  }
  const scheduled = new Date(scheduledAt).toISOString();
  const event: WeftEvent = {
    // The schedule's own time as the id: one run per function and tick, however often this runs.
    id: `${cron}@${scheduled}`,
    name: internalEvents.scheduledTimer,
    data: { cron, scheduledAt: scheduled, fireAt: new Date(now).toISOString() },
    user: {},
    ts: now,
  };
  const internalId = deterministicUlid(scheduledAt, item.id);
  await ctx.stores.history.saveEvents([{ internalId, receivedAt: now, event }]);
  await startRun(ctx, fn, [event], { eventInternalId: internalId });
  await enqueueTick(ctx, fn, cron, parseCron(cron).next(Math.max(now, scheduledAt)));
}
