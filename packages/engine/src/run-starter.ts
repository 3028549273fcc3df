import { ulid, type WeftEvent } from "@weft/core";
import type { FunctionRecord } from "@weft/store";
import type { EngineContext } from "./context.js";
import { enqueueJob, jobId } from "./jobs.js";
import { saveCancelPauses } from "./pauses.js";

const defaultRetries = 4;
const maxRetries = 20;

export function maxAttemptsOf(fn: FunctionRecord): number {
  const retries = fn.config.steps.step.retries?.attempts ?? defaultRetries;
  return Math.min(Math.max(0, retries), maxRetries) + 1;
}

export interface StartRunOptions {
  /** The id the API indexes the trigger event by. */
  eventInternalId: string;
  correlationId?: string;
  parentRunId?: string;
  /** A run id chosen by the caller (an invoking parent names its child in its timeline). */
  runId?: string;
}

/**
 * Start a run of `fn` for `events`. Idempotent: one run per (function, event.id), so a redelivered
 * event job finds the run it already made and only repeats the (deduplicated) follow-up writes.
 */
export async function startRun(ctx: EngineContext, fn: FunctionRecord, events: WeftEvent[], opts: StartRunOptions): Promise<string | undefined> {
  const now = ctx.clock.now();
  const first = events[0];
  if (!first) return undefined;
  const created = await ctx.stores.state.createRun({
    runId: opts.runId ?? ulid(now),
    idempotencyKey: ctx.flow.idempotencyKey(fn, first),
    functionId: fn.id,
    appId: fn.appId,
    env: ctx.env,
    events,
    createdAt: now,
    maxAttempts: maxAttemptsOf(fn),
    correlationId: opts.correlationId,
  });
  if (created.status === "tombstone") return undefined;
  const { runId } = created;
  if (created.status === "created") {
    const admission = await ctx.flow.admit(fn, runId, first, (holder) => ctx.cancelRun(holder, `cancelled by a newer run of singleton ${fn.id}`));
    if (!admission.ok) {
      ctx.observer?.flowRefused(fn.id, admission.reason.startsWith("singleton") ? "singleton" : "rate-limit");
      // The tombstone keeps a redelivered event from trying again.
      await ctx.stores.state.deleteRun(runId, 24 * 3600_000);
      ctx.log.info(`run skipped: ${admission.reason}`, { functionId: fn.id, eventName: first.name });
      return undefined;
    }
  }
  // Independent, idempotent writes, made at once (one commit on SQLite, one pipeline on Redis).
  const finishMs = ctx.flow.of(fn).timeouts.finishMs;
  await Promise.all([
    ctx.stores.history.recordRun({ runId, functionId: fn.id, eventId: opts.eventInternalId, status: "Running", startedAt: now, parentRunId: opts.parentRunId }),
    saveCancelPauses(ctx, fn, runId, first, now),
    enqueueJob(ctx.stores.queue, {
      id: jobId.discover(runId, 0),
      kind: "discover",
      runId,
      tenant: fn.appId,
      payload: {},
      // priority.run moves a run's first call ahead of (or behind) others queued around it.
      availableAt: now - ctx.flow.priorityMs(fn, first),
    }),
    finishMs
      ? enqueueJob(ctx.stores.queue, { id: jobId.runTimeout(runId), kind: "run-timeout", runId, tenant: fn.appId, payload: {}, availableAt: now + finishMs })
      : undefined,
  ]);
  if (created.status === "created") {
    ctx.log.info(`run started`, { runId, functionId: fn.id, eventName: first.name });
    ctx.observer?.runStarted(runId, fn.id, now, first);
  }
  return runId;
}
