import { internalEvents, ulidTime } from "@weft/core";
import type { StoredEvent } from "@weft/store";
import type { EngineContext } from "./context.js";
import { conditionHolds } from "./expression-errors.js";
import { addToBatch, joinsBatch } from "./flow/batching.js";
import { enqueueJob, jobId } from "./jobs.js";
import { resumeGroup, resumeOf } from "./pauses.js";
import { startRun } from "./run-starter.js";

/**
 * An `event` job: resume the pauses the event matches and start the functions it triggers. Every
 * write is idempotent, so a redelivered job repeats nothing that counts.
 */
export async function handleEvent(ctx: EngineContext, ingested: StoredEvent): Promise<void> {
  // Resuming pauses and starting runs are independent (a run this event starts cannot have a pause
  // this event matches: no look-back), so neither waits for the other's round trips.
  await Promise.all([resumeMatchedPauses(ctx, ingested), startTriggeredRuns(ctx, ingested)]);
}

/** Resume (or cancel) every pause the event matches: each belongs to its own run, so all at once, the resumes as one group. */
async function resumeMatchedPauses(ctx: EngineContext, { event, internalId, receivedAt: stored }: StoredEvent): Promise<void> {
  const receivedAt = receivedAtOf(internalId, stored);
  const matched = (await ctx.stores.pauses.findPauses(ctx.env, event)).filter(
    // No look-back: an event received before the pause existed does not match it.
    (pause) =>
      receivedAt >= pause.createdAt &&
      receivedAt <= pause.expiresAt &&
      (!pause.expression || matches(ctx, { runId: pause.runId, where: "wait" }, pause.expression, { async: event })),
  );
  // Events older than the run cannot cancel it (protocol §8): the look-back rule above.
  const cancels = matched.filter((pause) => pause.kind === "cancel");
  const resumes = matched.filter((pause) => pause.kind !== "cancel").map((pause) => resumeOf(pause, event));
  await Promise.all([
    ...cancels.map((pause) => ctx.cancelRun(pause.runId, `cancelled by event ${event.name} (${internalId})`)),
    resumes.length > 0 && resumeGroup(ctx, resumes),
  ]);
}

/** Start (or batch, or debounce) the functions the event triggers. */
async function startTriggeredRuns(ctx: EngineContext, { event, internalId, receivedAt: stored }: StoredEvent): Promise<void> {
  // Invoked runs are started directly by the parent, never by trigger matching (§9).
  if (event.name === internalEvents.functionInvoked) return;
  const receivedAt = receivedAtOf(internalId, stored);
  let triggers = ctx.registry.triggersFor(event);
  // Another process may have handled a sync acknowledged before this event, and this one re-reads
  // functions only every 2 s: with nothing to start, read them again before letting the event go.
  // (Internal events usually trigger nothing, and never right after a sync: they are skipped.)
  if (triggers.length === 0 && !event.name.startsWith("inngest/") && (await ctx.registry.refreshUnlessReadSince(receivedAt + clockSkewMs))) {
    triggers = ctx.registry.triggersFor(event);
  }
  for (const trigger of triggers) {
    if (trigger.expression && !matches(ctx, { functionId: trigger.fn.id, where: "trigger" }, trigger.expression, { event })) continue;
    if (await ctx.flow.isPaused(trigger.fn.id)) continue;
    const batch = ctx.flow.of(trigger.fn).batch;
    if (joinsBatch(batch, event)) {
      await addToBatch(ctx, trigger.fn, batch, { internalId, event });
      continue;
    }
    const debounced = await ctx.flow.debounce(trigger.fn, event, internalId);
    if (debounced) {
      // Start later with the latest event of the key; a newer event makes this timer a no-op.
      const timer = debounced.timer;
      if (timer) {
        await enqueueJob(ctx.stores.queue, {
          id: jobId.debounce(timer.key, timer.version),
          kind: "debounce",
          tenant: trigger.fn.appId,
          payload: { functionId: trigger.fn.id, key: timer.key, version: timer.version },
          availableAt: timer.fireAt,
        });
      }
      continue;
    }
    await startRun(ctx, trigger.fn, [event], { eventInternalId: internalId });
  }
}

/** Processes' clocks may differ by this much: a read must start this long after the event to count. */
const clockSkewMs = 1000;

/**
 * An expression that cannot be evaluated matches nothing: a runtime error is recorded against its
 * function (expression-errors.ts), one that does not even parse (sync refuses those) is logged.
 */
function matches(ctx: EngineContext, owner: Parameters<typeof conditionHolds>[1], expression: string, vars: Record<string, unknown>): boolean {
  try {
    return conditionHolds(ctx, owner, expression, vars);
  } catch (e) {
    ctx.log.warn(`expression ${JSON.stringify(expression)} cannot be evaluated: ${(e as Error).message}`);
    return false;
  }
}

/** When the server received the event: the time in its ULID, which every process reads alike. */
function receivedAtOf(internalId: string, receivedAt: number): number {
  return isUlid(internalId) ? ulidTime(internalId) : receivedAt;
}

function isUlid(id: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id);
}
