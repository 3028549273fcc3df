import { InvalidInputError, ulid } from "@weft/core";
import type { EngineContext } from "./context.js";
import { enqueueDiscovery } from "./continue-run.js";
import { maxAttemptsOf } from "./run-starter.js";

/**
 * Replay a run: a new run of the same function with the same trigger events that starts with the
 * results of every step recorded before `fromStepId` (in the order they completed), so it runs
 * again from that step on. Without `fromStepId` it starts from the first step (a rerun). Only
 * ended runs, and only steps the run recorded, can be replayed from: a step that was pending in
 * parallel when the chosen one completed is run again, never copied half-done.
 *
 * `replayKey` (a bulk replay's `<operation>:<run>`) makes the replay idempotent: done again, it
 * finds the run it made and only repeats its (idempotent) first writes.
 */
export async function replayRun(ctx: EngineContext, runId: string, fromStepId?: string, replayKey?: string): Promise<string> {
  const state = await ctx.stores.state.loadRun(runId);
  if (!state) throw new InvalidInputError(`run ${runId} not found`);
  const meta = state.metadata;
  if (meta.status === "Running") throw new InvalidInputError(`run ${runId} is still running: cancel it or wait for it to end before replaying`);
  const fn = await ctx.registry.lookup(meta.functionId);
  if (!fn) throw new InvalidInputError(`function ${meta.functionId} is no longer registered`);
  const upTo = fromStepId === undefined ? 0 : state.stack.indexOf(fromStepId);
  if (upTo < 0) throw new InvalidInputError(`run ${runId} has no recorded step ${fromStepId}`);
  const now = ctx.clock.now();
  const created = await ctx.stores.state.createRun({
    runId: ulid(now),
    idempotencyKey: `${fn.id}:replay:${replayKey ?? ulid(now)}`,
    functionId: fn.id,
    appId: fn.appId,
    env: ctx.env,
    events: state.events,
    createdAt: now,
    maxAttempts: maxAttemptsOf(fn),
  });
  if (created.status === "tombstone" || (created.status === "exists" && replayKey === undefined)) {
    throw new InvalidInputError(`could not create the replay of run ${runId}`);
  }
  const newRunId = created.runId;
  for (const stepId of state.stack.slice(0, upTo)) {
    const value = state.steps.get(stepId);
    if (value !== undefined) await ctx.stores.state.saveStep(newRunId, stepId, value);
  }
  const original = await ctx.stores.history.getRun(runId);
  await ctx.stores.history.recordRun({
    runId: newRunId,
    functionId: fn.id,
    eventId: original?.eventId ?? "",
    status: "Running",
    startedAt: now,
  });
  await enqueueDiscovery(ctx, newRunId, fn.appId, upTo);
  ctx.log.info(fromStepId ? "run replayed from a step" : "run rerun", { runId: newRunId, rerunOf: runId, stepId: fromStepId });
  return newRunId;
}
