import {
  canonicalJson,
  extractEqualityKey,
  internalEvents,
  resolveTime,
  substituteVariable,
  type OutgoingOp,
  type SerializedError,
  type WeftEvent,
} from "@weft/core";
import type { FunctionRecord, Pause, RunState } from "@weft/store";
import type { EngineContext } from "./context.js";
import { discoveryJob, endWait, saveAndContinue, saveStepOnce } from "./continue-run.js";
import { enqueueJob, enqueueJobs, jobId, type JobPayloads } from "./jobs.js";
import { chainDepthError, runChainDepth, stepName } from "./limits.js";
import { completeTimeline, openTimelineLine, recordTimeline } from "./timeline.js";

const oneYearMs = 366 * 24 * 3600_000;

/** Freeze the run's trigger event into an expression, and index it by its equality term. */
function compileMatch(expression: string | undefined, event: WeftEvent): Pick<Pause, "expression" | "matchKey"> {
  if (!expression) return {};
  const frozen = substituteVariable(expression, "event", event);
  return { expression: frozen, matchKey: extractEqualityKey(frozen, "async") };
}

/** `cancelOn` listeners, saved when a run starts (protocol §8). */
export async function saveCancelPauses(ctx: EngineContext, fn: FunctionRecord, runId: string, event: WeftEvent, now: number): Promise<void> {
  const entries = fn.config.cancel ?? [];
  for (const [i, c] of entries.entries()) {
    await ctx.stores.pauses.savePause({
      id: `${runId}:cancel:${i}`,
      runId,
      appId: fn.appId,
      stepId: `cancel:${i}`,
      kind: "cancel",
      env: ctx.env,
      eventName: c.event,
      ...compileMatch(c.if, event),
      createdAt: now,
      expiresAt: c.timeout ? resolveTime(c.timeout, now) : now + oneYearMs,
    });
  }
}

/** A pause plus the queue item that ends it when nothing matches in time. */
async function savePauseWithTimeout(ctx: EngineContext, pause: Pause, tenant: string, timeoutValue: string) {
  await ctx.stores.pauses.savePause(pause);
  await enqueuePauseTimeout(ctx, pause, tenant, timeoutValue);
}

/** The queue item that ends a saved pause when nothing matches in time. */
async function enqueuePauseTimeout(ctx: EngineContext, pause: Pause, tenant: string, timeoutValue: string) {
  await enqueueJob(ctx.stores.queue, {
    id: jobId.pauseTimeout(pause.runId, pause.stepId),
    kind: "pause-timeout",
    runId: pause.runId,
    tenant,
    payload: { pauseId: pause.id, stepId: pause.stepId, value: timeoutValue },
    availableAt: pause.expiresAt,
  });
}

/** `step.waitForEvent`: the event name is in `name`, the timeout and `if` in `opts` (§4.1). */
export async function waitForEvent(ctx: EngineContext, state: RunState, op: OutgoingOp, now: number): Promise<void> {
  const opts = (op.opts ?? {}) as { timeout?: string; if?: string; event?: string };
  const eventName = opts.event ?? op.name ?? "";
  const first = state.events[0] as WeftEvent;
  await savePauseWithTimeout(
    ctx,
    {
      id: `${state.metadata.runId}:${op.id}`,
      runId: state.metadata.runId,
      appId: state.metadata.appId,
      stepId: op.id,
      kind: "wait",
      env: ctx.env,
      eventName,
      ...compileMatch(opts.if, first),
      createdAt: now,
      expiresAt: Math.min(resolveTime(opts.timeout ?? "", now), now + oneYearMs),
    },
    state.metadata.appId,
    "null",
  );
}

/**
 * The synthetic event name a `step.waitForSignal` pause waits under, with its match key on the
 * signal name, so it is a pause like any wait (the write-once resume/timeout race applies as it does
 * to `waitForEvent`). A signal reaches the pause holding its name (`claimPauseHolder`), never through
 * this name: users cannot send it (the `inngest/` prefix is reserved).
 */
export const signalEventName = "inngest/internal.signal";

/** The match key of a signal's pauses: exact on the signal name. */
function signalMatch(signal: string): Pick<Pause, "expression" | "matchKey"> {
  return { expression: `async.data.signal == ${JSON.stringify(signal)}`, matchKey: { path: "data.signal", value: canonicalJson(signal) } };
}

/**
 * `step.waitForSignal`: the signal name is in `opts.signal` (or `name`), the timeout in `opts`, the
 * conflict rule in `opts.conflict` (§4.1). The wait's pause holds the signal name in the store
 * (`claimPause`), atomically: whatever the interleaving, one wait per (env, signal) stands. Answers
 * the error the run fails with when another run holds the signal and the rule is `fail`. With
 * `replace` (also when no rule is given, as the newest wait wins) the holder's pause is deleted, so
 * a signal no longer reaches it, and its step stays pending until its timeout, as the SDK documents.
 */
export async function waitForSignal(ctx: EngineContext, state: RunState, op: OutgoingOp, now: number): Promise<SerializedError | undefined> {
  const opts = (op.opts ?? {}) as { timeout?: string; signal?: string; conflict?: string };
  const signal = opts.signal ?? op.name ?? "";
  const runId = state.metadata.runId;
  const onConflict = opts.conflict === "fail" ? "fail" : "replace";
  const pause: Pause = {
    id: `${runId}:${op.id}`,
    runId,
    appId: state.metadata.appId,
    stepId: op.id,
    kind: "wait",
    env: ctx.env,
    eventName: signalEventName,
    ...signalMatch(signal),
    createdAt: now,
    expiresAt: Math.min(resolveTime(opts.timeout ?? "", now), now + oneYearMs),
    exclusiveKey: signal,
  };
  let claim = await ctx.stores.pauses.claimPause(pause, { onConflict });
  // A holder that can never be resumed must not keep the name: take it over, if it still holds it.
  if (claim.status === "held" && (await isStaleHolder(ctx, claim.holder, now))) {
    claim = await ctx.stores.pauses.claimPause(pause, { onConflict, evict: claim.holder.id });
  }
  if (claim.status === "held") {
    return { name: "NonRetriableError", message: `step "${stepName(op)}": another run already waits for the signal ${JSON.stringify(signal)}` };
  }
  await enqueuePauseTimeout(ctx, pause, state.metadata.appId, "null");
  return undefined;
}

/**
 * Whether a signal's holder can no longer be resumed, so its claim is stale: its run is gone or
 * over (a crash between the end and the cleanup of its pauses), its wait already has a value (a
 * crash between the resume and the delete), or it expired (its timeout job is due).
 */
async function isStaleHolder(ctx: EngineContext, holder: Pause, now: number): Promise<boolean> {
  if (holder.expiresAt < now) return true;
  const run = await ctx.stores.state.loadRun(holder.runId);
  return run === undefined || run.metadata.status !== "Running" || run.steps.has(holder.stepId);
}

/**
 * A signal arrives (`POST /v1/signals`, `inngest.sendSignal`): the run whose wait holds the signal
 * resumes with `{ signal, data }`. Answers that run's id, or undefined when no run waits (or the
 * wait was already resumed or timed out: write-once decides).
 */
export async function deliverSignal(ctx: EngineContext, signal: string, data: unknown): Promise<string | undefined> {
  const now = ctx.clock.now();
  const holder = await ctx.stores.pauses.claimPauseHolder(ctx.env, signal);
  if (holder === undefined || holder.expiresAt < now || holder.createdAt > now) return undefined;
  const value = JSON.stringify({ signal, data: data ?? null });
  const [won] = await resumeGroup(ctx, [{ pause: holder, value, status: "Completed" }]);
  return won ? holder.runId : undefined;
}

const invokeTimeoutError = JSON.stringify({
  error: {
    name: "InngestInvokeTimeoutError",
    message: "Timed out waiting for invoked function to complete",
    error: "InngestInvokeTimeoutError: Timed out waiting for invoked function to complete",
  },
});

/**
 * `step.invoke` (§9): wait for the child's `function.finished` by correlation id, then start the
 * child directly (no trigger matching). The pause is saved first, so the child cannot finish unseen.
 * `announce` (the Waiting line naming the child) is called once there is a child to start, before
 * the pause, so the line exists before anything can close it; an invoke that cannot start one (no
 * such function, the chain too deep) fails its step and writes its own Failed line instead.
 */
export async function invokeFunction(
  ctx: EngineContext,
  state: RunState,
  op: OutgoingOp,
  now: number,
  start: (fn: FunctionRecord, event: WeftEvent, correlationId: string) => Promise<string | undefined>,
  announce: () => Promise<void>,
): Promise<string | undefined> {
  const { runId, appId, functionId } = state.metadata;
  const opts = (op.opts ?? {}) as { function_id?: string; payload?: { data?: Record<string, unknown> }; timeout?: string };
  const target = opts.function_id ? await ctx.registry.lookup(opts.function_id) : undefined;
  if (!target) return failInvoke(ctx, runId, appId, op, { name: "Error", message: `could not find function with ID: ${opts.function_id}` });
  // A function invoking itself (or a cycle of them) stops here: the step fails, naming the limit.
  const depth = runChainDepth(state.events) + 1;
  if (depth > ctx.limits.maxRunChainDepth) {
    const error = chainDepthError(depth, ctx.limits);
    return failInvoke(ctx, runId, appId, op, { ...error, message: `step.invoke of ${target.id} ${error.message}` });
  }
  await announce();
  const correlationId = `${runId}.${op.id}`;
  const expiresAt = opts.timeout ? resolveTime(opts.timeout, now) : now + oneYearMs;
  await savePauseWithTimeout(
    ctx,
    {
      id: `${runId}:${op.id}`,
      runId,
      appId,
      stepId: op.id,
      kind: "invoke",
      env: ctx.env,
      eventName: internalEvents.functionFinished,
      expression: `async.data.correlation_id == ${JSON.stringify(correlationId)}`,
      matchKey: { path: "data.correlation_id", value: canonicalJson(correlationId) },
      createdAt: now,
      expiresAt,
    },
    appId,
    invokeTimeoutError,
  );
  const event: WeftEvent = {
    id: correlationId,
    name: internalEvents.functionInvoked,
    data: {
      ...(opts.payload?.data ?? {}),
      _inngest: { fn_id: target.id, correlation_id: correlationId, expire: expiresAt, source_app_id: appId, source_fn_id: functionId, depth },
    },
    user: {},
    ts: now,
  };
  return start(target, event, correlationId);
}

/**
 * An invoke that starts no child: its step fails at once (thrown into the function, not retried).
 * Its line is written here, whole: no Waiting line was written (see `announce`).
 */
async function failInvoke(ctx: EngineContext, runId: string, appId: string, op: OutgoingOp, error: SerializedError): Promise<undefined> {
  const value = JSON.stringify({ error });
  const now = ctx.clock.now();
  const saved = await saveAndContinue(ctx, runId, appId, op.id, value);
  if (saved)
    await recordTimeline(ctx, {
      runId,
      stepId: op.id,
      attempt: 0,
      name: stepName(op),
      op: op.op,
      status: "Failed",
      startedAt: now,
      endedAt: now,
      output: value,
    });
  return undefined;
}

/** The step value a matching event gives a pause (§5 table). */
function resumeValue(pause: Pause, event: WeftEvent): string {
  if (pause.kind !== "invoke") return JSON.stringify(event);
  const data = event.data as { result?: unknown; error?: unknown };
  return JSON.stringify(data.error !== undefined ? { error: data.error } : { data: data.result ?? null });
}

/**
 * How the line of a step that waited ends: `Failed` when its value is an error (a child run that
 * failed, was cancelled or timed out, which the function gets thrown), else `Completed` (a wait's
 * event or its `null`, a child's result). Waits never get an error value, so the value decides.
 */
function endStatus(value: string): "Completed" | "Failed" {
  const parsed = JSON.parse(value) as unknown;
  return parsed !== null && typeof parsed === "object" && "error" in parsed ? "Failed" : "Completed";
}

/** A wait or invoke pause an event (or a signal) resumes: its step's value, and how its line ends. */
export interface Resume {
  pause: Pause;
  value: string;
  status: "Completed" | "Failed";
}

/** What an event matching a wait or invoke pause resumes it with. */
export function resumeOf(pause: Pause, event: WeftEvent): Resume {
  const value = resumeValue(pause, event);
  return { pause, value, status: pause.kind === "invoke" ? endStatus(value) : "Completed" };
}

/**
 * Resume paused steps as one group (an event matching many pauses): every step's write-once save at
 * once, then the discoveries of the runs saved, queued in one write (`enqueueJobs`), then their
 * timeline lines and the pauses' deletion, not one save → queue → delete chain per pause. Each
 * discovery is durable before its pause is deleted, so a crash anywhere leaves the pause for the
 * redelivered event job, whose saves are idempotent: the first value stays, and its discovery is
 * queued again (collapsing on its id). Answers, per resume, whether its save won (of an event and a
 * timeout racing for one wait, exactly one does).
 */
export async function resumeGroup(ctx: EngineContext, resumes: readonly Resume[]): Promise<boolean[]> {
  // The tenant, the save and the open timeline line are independent: read and written at once.
  const saves = await Promise.all(
    resumes.map(async ({ pause, value }) => {
      const [tenant, saved, line] = await Promise.all([
        pause.appId ?? ctx.stores.state.loadMetadata(pause.runId).then((meta) => meta?.appId ?? ctx.env),
        saveStepOnce(ctx, pause.runId, pause.stepId, value),
        openTimelineLine(ctx, pause.runId, pause.stepId),
      ]);
      return { pause, tenant, saved, line };
    }),
  );
  await enqueueJobs(
    ctx.stores.queue,
    saves.flatMap(({ pause, tenant, saved }) => (saved ? [discoveryJob(ctx, pause.runId, tenant, saved.stackLength)] : [])),
  );
  const won = saves.map(({ saved }) => saved?.status === "saved");
  await Promise.all(
    resumes.flatMap(({ pause, value, status }, i) => [
      won[i] && completeTimeline(ctx, pause.runId, pause.stepId, status, value, saves[i]?.line),
      ctx.stores.pauses.deletePause(pause.id),
    ]),
  );
  return won;
}

/** A wait or invoke ran out of time: save the timeout value, unless an event got there first. */
export async function expirePause(ctx: EngineContext, runId: string, tenant: string, payload: JobPayloads["pause-timeout"]): Promise<void> {
  // A wait's timeout value is `null` (Completed); an invoke's is the timeout error (Failed).
  await endWait(ctx, { runId, tenant, stepId: payload.stepId }, payload.value, endStatus(payload.value), () => ctx.stores.pauses.deletePause(payload.pauseId));
}
