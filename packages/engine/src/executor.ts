import { discoveryStepId, isWeftError, StateConflictError, ulid, type OutgoingOp, type SerializedError, type WeftEvent } from "@weft/core";
import type { FunctionRecord, RunState } from "@weft/store";
import { done, type EngineContext, type JobOutcome } from "./context.js";
import { enqueueDiscovery } from "./continue-run.js";
import type { DriverResponse } from "./driver.js";
import { afterFinalize, finalizeRun } from "./finalize.js";
import { isLazy } from "./http-driver.js";
import { discoveryStackLength, enqueueJob, jobId, type Job } from "./jobs.js";
import { limitError, overLimit, runStateBytes, runStateError, stepCountError, stepName, stepOutputError } from "./limits.js";
import { refuseOps, sleepWakeAt } from "./op-validation.js";
import { invokeFunction, waitForEvent, waitForSignal } from "./pauses.js";
import { buildCallBody } from "./request-body.js";
import { recordTimeline } from "./timeline.js";

/** How long one job may keep calling a run step after step before yielding its worker. */
const inlineBudgetMs = 200;

/** The jobs that call the function: a discovery, or one planned step. */
type CallJob = Job<"discover" | "step">;

type StartChild = (fn: FunctionRecord, event: WeftEvent, correlationId: string, runId: string) => Promise<string | undefined>;

/**
 * What handling one response leads to: call the run again at once, or stop with an outcome.
 * `stale`: the store holds steps this job's copy of the state lacks (the SDK checkpointed them
 * during the call), so the state is loaded again before the next call.
 */
type Next = { type: "continue"; stale: boolean } | { type: "stop"; outcome: JobOutcome };
const stop = (outcome: JobOutcome = done): Next => ({ type: "stop", outcome });

/** Bytes of a run's events and stored results, counted once per loaded state and kept up to date. */
const stateBytes = new WeakMap<RunState, number>();
function knownStateBytes(state: RunState): number {
  let bytes = stateBytes.get(state);
  if (bytes === undefined) {
    bytes = runStateBytes(state);
    stateBytes.set(state, bytes);
  }
  return bytes;
}

const asyncOps = new Set(["StepPlanned", "Sleep", "WaitForEvent", "WaitForSignal", "InvokeFunction", "Gateway", "AIGateway"]);

/**
 * Runs `discover` and `step` jobs: call the function, then act on what it reports (protocol §4–§6).
 *
 * The hot path is one call and one write per step: when a discovery call runs a step in-process
 * (immediate execution) and reports its result, the result is saved and the run is called again
 * within the same job, without a queue round trip. A crash between the two leaves the job leased;
 * it is redelivered and replays from the saved state.
 */
export class Executor {
  /** Runs with a discovery job running in this process. */
  private readonly discovering = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly startChild: StartChild,
  ) {}

  /**
   * `leasedBefore`: this job was leased before (its holder died, or it was requeued), so work it
   * planned may be half done (see `handleOps`).
   */
  async run(item: CallJob, leasedBefore = false): Promise<JobOutcome> {
    const runId = item.runId ?? "";
    if (item.kind !== "discover") return this.runJob(item, leasedBefore);
    // One discovery per run at a time in this process: two at once, both finding nothing pending,
    // would both run the next step in-process. The second comes back shortly (and then finds the
    // run moved on, or ended), untouched: its next lease is no repair, so a run that moved on
    // past it supersedes it instead of being called once more.
    if (this.discovering.has(runId))
      return { type: "retry", availableAt: this.ctx.clock.now() + 20 + Math.floor(Math.random() * 30), attempt: item.attempt, untouched: true };
    this.discovering.add(runId);
    try {
      return await this.runJob(item, leasedBefore);
    } finally {
      this.discovering.delete(runId);
    }
  }

  private async runJob(item: CallJob, leasedBefore: boolean): Promise<JobOutcome> {
    const { ctx } = this;
    let state = await ctx.stores.state.loadRun(item.runId);
    if (!state) return done;
    let meta = state.metadata;
    if (meta.status !== "Running") {
      // The run ended; repeat its idempotent follow-up in case the finaliser died half way.
      const output = (await ctx.stores.history.getRun(meta.runId))?.output;
      await afterFinalize(ctx, meta, state.events, output);
      return done;
    }
    const fn = await ctx.registry.lookup(meta.functionId, { fresh: true });
    if (!fn) {
      await this.fail(state, { name: "FunctionNotFound", message: `function ${meta.functionId} is no longer registered` });
      return done;
    }
    if (supersededDiscovery(item, state, leasedBefore)) return done;
    let stepId = item.kind === "step" ? item.payload.stepId : discoveryStepId;
    // A planned step's call carries the state it was planned with (request-body.ts); later calls of this job are discoveries.
    let stackLength = item.kind === "step" ? item.payload.stackLength : undefined;
    if (stepId !== discoveryStepId && state.steps.has(stepId)) {
      // A redelivered planned step that already has its result: only the follow-up is missing.
      await enqueueDiscovery(ctx, meta.runId, meta.appId, state.stack.length);
      return done;
    }
    if (discoveryStackLength(item) === 0 && item.attempt === 0) {
      const held = await this.beforeFirstCall(state, fn);
      if (held) return held;
    }
    let attempt = item.attempt;
    const deadline = ctx.clock.now() + inlineBudgetMs;
    let slots: string[] = [];
    let called = false;
    try {
      for (;;) {
        // Concurrency counts calls in flight; a saturated key sends this job back to the queue
        // (briefly) instead of holding up the queue for other keys: untouched, unless it made calls.
        const taken = await ctx.flow.acquire(fn, state.events[0] as WeftEvent, item.id);
        if (!taken) {
          ctx.observer?.flowRefused(fn.id, "concurrency");
          return { type: "retry", availableAt: ctx.clock.now() + 100 + Math.floor(Math.random() * 200), attempt, ...(called ? {} : { untouched: true }) };
        }
        called = true;
        slots = taken;
        const startedAt = ctx.clock.now();
        const body = buildCallBody(state, attempt, item.id, stackLength);
        const traceparent = ctx.observer?.appCallStarted(meta.runId, fn.id, stepId, attempt, state.events[0]);
        const res = await ctx.driver.call({ fn, runId: meta.runId, stepId, version: meta.version, body, traceparent });
        ctx.observer?.appCallEnded(meta.runId, fn.id, stepId, attempt, traceparent, res.type === "error" ? "error" : "ok", startedAt, ctx.clock.now());
        if (res.version !== undefined && res.version !== meta.version && Number.isFinite(res.version)) {
          meta.version = res.version;
          await ctx.stores.state.updateRun(meta.runId, { version: res.version });
        }
        const next = await this.handle(state, stepId, attempt, startedAt, res, leasedBefore);
        if (next.type === "stop") return next.outcome;
        if (next.stale) {
          state = await ctx.stores.state.loadRun(meta.runId);
          if (state?.metadata.status !== "Running") return done;
          meta = state.metadata;
        }
        if (ctx.clock.now() > deadline) {
          await enqueueDiscovery(ctx, meta.runId, meta.appId, state.stack.length);
          return done;
        }
        stepId = discoveryStepId;
        stackLength = undefined;
        attempt = 0;
        leasedBefore = false;
      }
    } finally {
      await ctx.flow.release(slots, item.id);
    }
  }

  /** `timeouts.start` and throttle, checked once before a run's first call. */
  private async beforeFirstCall(state: RunState, fn: FunctionRecord): Promise<JobOutcome | undefined> {
    const { ctx } = this;
    const meta = state.metadata;
    const startMs = ctx.flow.of(fn).timeouts.startMs;
    if (startMs !== undefined && ctx.clock.now() > meta.createdAt + startMs) {
      await ctx.cancelRun(meta.runId, "timed out: the run did not start within timeouts.start");
      return done;
    }
    const throttledUntil = await ctx.flow.throttledUntil(fn, state.events[0] as WeftEvent);
    if (throttledUntil === undefined) return undefined;
    ctx.observer?.flowRefused(fn.id, "throttle");
    // Still attempt 0, so the throttle is checked again when the job comes back.
    return { type: "retry", availableAt: throttledUntil, attempt: 0, untouched: true };
  }

  private async handle(state: RunState, stepId: string, attempt: number, startedAt: number, res: DriverResponse, leasedBefore: boolean): Promise<Next> {
    const meta = state.metadata;
    switch (res.type) {
      case "complete":
        await this.complete(state, res.data);
        return stop();
      case "error": {
        const retry = res.retriable && attempt + 1 < meta.maxAttempts;
        this.ctx.log.warn(`call to ${meta.functionId} failed${retry ? ", will retry" : ""}: ${res.error.message}`, {
          runId: meta.runId,
          functionId: meta.functionId,
          stepId: stepId === discoveryStepId ? undefined : stepId,
          attempt,
        });
        await recordTimeline(this.ctx, {
          runId: meta.runId,
          stepId: stepId === discoveryStepId ? "function" : stepId,
          attempt,
          name: stepId === discoveryStepId ? "function" : stepId,
          op: "Call",
          status: retry ? "Errored" : "Failed",
          startedAt,
          endedAt: this.ctx.clock.now(),
          output: JSON.stringify({ error: res.error }),
        });
        if (retry) return stop(this.retryLater(attempt, res.retryAfterMs));
        await this.fail(state, res.error);
        return stop();
      }
      case "ops":
        return this.handleOps(state, stepId, attempt, startedAt, res, leasedBefore);
    }
  }

  /** Finish the run with the function's return value, unless that value is over the output limit. */
  private async complete(state: RunState, data: unknown): Promise<void> {
    const { limits } = this.ctx;
    const bytes = Buffer.byteLength(JSON.stringify(data ?? null));
    if (bytes > limits.maxStepOutputBytes) {
      await this.fail(state, limitError(`the function's return value is ${bytes} bytes, ${overLimit("maxStepOutputBytes", limits)}`));
      return;
    }
    await finalizeRun(this.ctx, state.metadata, state.events, { status: "Completed", result: data });
  }

  /**
   * The step-count, step-output and run-state limits, checked before anything of this response is
   * saved. Answers the error to fail the run with (non-retriable: a retry would pass them again).
   */
  private overLimits(state: RunState, ops: OutgoingOp[]): { op?: OutgoingOp; error: SerializedError } | undefined {
    const { limits } = this.ctx;
    const { runId } = state.metadata;
    const fresh = new Set(ops.filter((op) => op.op !== "RunComplete" && !state.pending.has(op.id)).map((op) => op.id));
    const tooMany = stepCountError(runId, state.stack.length + state.pending.size + fresh.size, limits);
    if (tooMany) return { error: tooMany };
    let total = knownStateBytes(state);
    for (const op of ops) {
      if (op.op !== "StepRun" && op.op !== "StepFailed" && op.op !== "StepError") continue;
      const bytes = Buffer.byteLength(JSON.stringify(op.op === "StepRun" ? (op.data ?? null) : (op.error ?? op.data ?? null)));
      total += bytes;
      const error = stepOutputError(op, bytes, limits) ?? runStateError(runId, op, total, limits);
      if (error) return { op, error };
    }
    return undefined;
  }

  private retryLater(attempt: number, retryAfterMs: number | undefined): JobOutcome {
    const delay = retryAfterMs ?? this.ctx.backoff(attempt);
    return { type: "retry", attempt: attempt + 1, availableAt: this.ctx.clock.now() + delay };
  }

  private async fail(state: RunState, error: SerializedError): Promise<void> {
    await finalizeRun(this.ctx, state.metadata, state.events, { status: "Failed", error });
  }

  private async handleOps(
    state: RunState,
    stepId: string,
    attempt: number,
    startedAt: number,
    res: Extract<DriverResponse, { type: "ops" }>,
    leasedBefore: boolean,
  ): Promise<Next> {
    const { ctx } = this;
    const meta = state.metadata;
    const ops = res.ops.filter((op) => !isLazy(op) && !state.steps.has(op.id));
    // A bad op (unknown, unparseable time, an `if` that does not compile, one step id twice) or a
    // limit fails the run before anything of the response is written: a retry would get the same.
    const over = refuseOps(ops, state.events[0] as WeftEvent, ctx.clock.now()) ?? this.overLimits(state, ops);
    if (over) {
      ctx.log.warn(`run failed: ${over.error.name}: ${over.error.message}`, { runId: meta.runId, functionId: meta.functionId });
      if (over.op) await this.timeline(state, over.op, attempt, startedAt, "Failed", JSON.stringify({ error: over.error }));
      await this.fail(state, over.error);
      return stop();
    }
    const results = ops.filter((op) => op.op === "StepRun" || op.op === "StepFailed" || op.op === "StepError");
    const retrying = results.filter((op) => op.op === "StepError" && !(res.noRetry || attempt + 1 >= meta.maxAttempts));
    // A step's retriable error alone (the classic path) retries this call. Beside other ops (a
    // parallel group the SDK ran in one call, docs/inngest-protocol.md §6) the step retries in a job
    // of its own at the next attempt, as a planned step does: its siblings' results stand.
    const retryAlone = retrying.length > 0 && stepId === discoveryStepId && ops.length > 1;
    if (retrying.length > 0 && !retryAlone) {
      await this.timeline(state, retrying[0] as OutgoingOp, attempt, startedAt, "Errored", JSON.stringify({ error: retrying[0]?.error }));
      return stop(this.retryLater(attempt, res.retryAfterMs));
    }
    let saved: { pendingRemaining: number; first: boolean; stackLength: number } | undefined;
    const finals = results.filter((op) => !retrying.includes(op));
    if (finals.length > 0) {
      // Saved all at once: one commit on SQLite however many results the response carries.
      const values = finals.map((op) => JSON.stringify(op.op === "StepRun" ? { data: op.data ?? null } : { error: op.error ?? op.data }));
      const outcomes = await Promise.all(finals.map((op, i) => this.saveResult(state, op.id, values[i] as string)));
      const stackLength = Math.max(state.stack.length, ...outcomes.map((r) => r?.stackLength ?? 0));
      // The store holds steps this copy lacks: the SDK checkpointed during the call, and a
      // checkpoint (over a limit) or a cancel may have ended the run meanwhile.
      if (stackLength !== state.stack.length && (await ctx.stores.state.loadMetadata(meta.runId))?.status !== "Running") return stop();
      await Promise.all(finals.map((op, i) => this.timeline(state, op, attempt, startedAt, op.op === "StepRun" ? "Completed" : "Failed", values[i] as string)));
      const last = outcomes.reduce((a, b) => (a && b && b.stackLength > a.stackLength ? b : a));
      saved =
        outcomes.every((r) => r !== undefined) && last
          ? { pendingRemaining: last.pendingRemaining, first: outcomes.some((r) => r?.status === "saved"), stackLength }
          : { pendingRemaining: -1, first: false, stackLength };
    }
    if (retryAlone) {
      const availableAt = ctx.clock.now() + (res.retryAfterMs ?? ctx.backoff(attempt));
      await Promise.all(retrying.map((op) => this.timeline(state, op, attempt, startedAt, "Errored", JSON.stringify({ error: op.error }))));
      // Pending first, so no discovery runs it in-process meanwhile (as `schedule` below).
      await ctx.stores.state.addPending(
        meta.runId,
        retrying.map((op) => op.id),
      );
      for (const op of retrying) {
        await enqueueJob(ctx.stores.queue, {
          id: jobId.step(meta.runId, op.id),
          kind: "step",
          runId: meta.runId,
          tenant: meta.appId,
          payload: { stepId: op.id, name: stepName(op) },
          availableAt,
          attempt: attempt + 1,
        });
      }
    }
    const complete = ops.find((op) => op.op === "RunComplete");
    if (complete) {
      await this.complete(state, complete.data);
      return stop();
    }
    // Ops already pending are re-reported by a discovery made while they run: nothing to do,
    // unless this discovery was leased before. Then it may be the one that marked them pending
    // and died before scheduling them all, so it schedules them again (each piece of scheduling
    // has a deterministic id, so what was already scheduled is not scheduled twice).
    const repair = leasedBefore && stepId === discoveryStepId;
    // WaitForEvent first, so a sendEvent planned beside it cannot outrun the wait (§4.1).
    const waiting = ops.filter((op) => asyncOps.has(op.op) && (repair || !state.pending.has(op.id))).sort((a, b) => rank(a) - rank(b));
    if (waiting.length > 0) {
      // Pending before scheduled: while any op is pending, the SDK is told not to run steps
      // in-process, so a planned step can never run both in its own job and in a discovery.
      const fresh = waiting.filter((op) => !state.pending.has(op.id));
      if (fresh.length > 0)
        await ctx.stores.state.addPending(
          meta.runId,
          fresh.map((op) => op.id),
        );
      const now = ctx.clock.now();
      const plannedAt = waiting.some((op) => op.op === "StepPlanned") ? await this.plannedStackLength(state, saved !== undefined) : undefined;
      for (const op of waiting) await this.schedule(state, op, now, plannedAt);
      await this.rediscoverAfterGroup(state, saved);
      return stop();
    }
    if (retryAlone) await this.rediscoverAfterGroup(state, saved);
    if (retryAlone || ops.some((op) => asyncOps.has(op.op))) return stop();
    if (!saved) {
      // A discovery while steps are pending may find nothing new, or re-report ops we hold: the
      // run moves on through those steps' jobs.
      if (state.pending.size > 0 || res.ops.length > 0) return stop();
      await this.fail(state, { name: "InvalidResponse", message: `the app answered 206 with no usable op: ${JSON.stringify(res.ops).slice(0, 200)}` });
      return stop();
    }
    if (stepId === discoveryStepId && saved.first && saved.pendingRemaining === 0) return { type: "continue", stale: saved.stackLength !== state.stack.length };
    // The stack length from the store, not this job's copy: parallel jobs each saw an older stack.
    if (stepId !== discoveryStepId) await enqueueDiscovery(ctx, meta.runId, meta.appId, saved.stackLength);
    return stop();
  }

  /**
   * Results saved beside ops that leave the run waiting (a parallel group run in one call, with a
   * sleep or a retrying step) may let the handler go on (a `Promise.race`): call the run again, as
   * after a planned step's own call.
   */
  private async rediscoverAfterGroup(state: RunState, saved: { first: boolean; stackLength: number } | undefined): Promise<void> {
    if (saved?.first) await enqueueDiscovery(this.ctx, state.metadata.runId, state.metadata.appId, saved.stackLength);
  }

  /**
   * Save a step's result and mirror it in the in-memory state; undefined on a conflict (another
   * result was recorded first, and stands). Any other failure (the store is down) is thrown, so the
   * job is retried rather than finished with its step unsaved.
   */
  private async saveResult(state: RunState, stepId: string, value: string) {
    try {
      const observer = this.ctx.observer;
      const savingAt = observer ? this.ctx.clock.now() : 0;
      const result = await this.ctx.stores.state.saveStep(state.metadata.runId, stepId, value);
      observer?.stepSaved(state.metadata.runId, stepId, savingAt, this.ctx.clock.now());
      if (!state.steps.has(stepId)) {
        const bytes = stateBytes.get(state);
        if (bytes !== undefined) stateBytes.set(state, bytes + Buffer.byteLength(value));
        state.steps.set(stepId, value);
        state.stack.push(stepId);
      }
      state.pending.delete(stepId);
      return result;
    } catch (e) {
      if (!isWeftError(e, StateConflictError)) throw e;
      this.ctx.log.warn("step result not saved: another result was recorded first", {
        runId: state.metadata.runId,
        functionId: state.metadata.functionId,
        stepId,
      });
      return undefined;
    }
  }

  /**
   * The stack length the SDK had when it reported this call's `StepPlanned` ops: its planned
   * steps' calls carry only those results (request-body.ts). A call made while steps were pending
   * (`disable_immediate_execution`) could not checkpoint, so the SDK saw exactly this job's copy.
   * Otherwise the SDK may have checkpointed steps during the call that the copy lacks (and results
   * saved from this response may sit behind steps others saved meanwhile): then the stored stack's
   * length, read now. It counts every step saved before the planned ones can run, so it holds all
   * the SDK saw; more is harmless (it is what every call carried before).
   */
  private async plannedStackLength(state: RunState, savedResults: boolean): Promise<number | undefined> {
    if (state.pending.size > 0 && !savedResults) return state.stack.length;
    return (await this.ctx.stores.state.loadRun(state.metadata.runId))?.stack.length;
  }

  /** Plan the work an async op asks for; each piece has a deterministic id, so repeats collapse. */
  private async schedule(state: RunState, op: OutgoingOp, now: number, plannedAt?: number): Promise<void> {
    const { ctx } = this;
    const { runId, appId } = state.metadata;
    const name = stepName(op);
    const waitLine = (detail: Record<string, unknown>) =>
      recordTimeline(ctx, { runId, stepId: op.id, attempt: 0, name, op: op.op, status: "Waiting", startedAt: now, output: JSON.stringify(detail) });
    switch (op.op) {
      case "StepPlanned":
        await enqueueJob(ctx.stores.queue, {
          id: jobId.step(runId, op.id),
          kind: "step",
          runId,
          tenant: appId,
          payload: plannedAt === undefined ? { stepId: op.id, name } : { stepId: op.id, name, stackLength: plannedAt },
          availableAt: now,
        });
        return;
      case "Sleep": {
        const wakeAt = sleepWakeAt(op, now);
        await waitLine({ sleepUntil: new Date(wakeAt).toISOString() });
        await enqueueJob(ctx.stores.queue, {
          id: jobId.wake(runId, op.id),
          kind: "wake",
          runId,
          tenant: appId,
          payload: { stepId: op.id },
          availableAt: wakeAt,
        });
        return;
      }
      case "WaitForEvent":
        // The pause first: a timeline that says "waiting" means a matching event will be seen.
        await waitForEvent(ctx, state, op, now);
        await waitLine({ event: op.name, ...(op.opts ?? {}) });
        return;
      case "WaitForSignal": {
        // As a wait: the pause first. A conflict (`onConflict: "fail"`) fails the run instead.
        const conflict = await waitForSignal(ctx, state, op, now);
        if (conflict) {
          await this.fail(state, conflict);
          return;
        }
        const opts = (op.opts ?? {}) as { signal?: string; timeout?: string };
        await waitLine({ signal: opts.signal ?? op.name, timeout: opts.timeout });
        return;
      }
      case "Gateway":
      case "AIGateway":
        await waitLine({ url: (op.opts as { url?: string } | undefined)?.url });
        await enqueueJob(ctx.stores.queue, {
          id: jobId.gateway(runId, op.id),
          kind: "gateway",
          runId,
          tenant: appId,
          payload: { stepId: op.id, op: op.op, opts: op.opts ?? {} },
          availableAt: now,
        });
        return;
      case "InvokeFunction":
        {
          // The child's id is chosen here so the timeline can name it (the API and dashboard link
          // to it) before the child can possibly finish and close the line.
          const childRunId = ulid(now);
          const invoked = (runId: string) => waitLine({ invoke: (op.opts as { function_id?: string } | undefined)?.function_id, run_id: runId });
          // The Waiting line is written only once there is a child to start (`announce`), so an
          // invoke of a missing function never names a run that does not exist.
          const started = await invokeFunction(
            ctx,
            state,
            op,
            now,
            (fn, event, correlationId) => this.startChild(fn, event, correlationId, childRunId),
            () => invoked(childRunId),
          );
          // A repeated schedule finds the child its first schedule started (one run per correlation id).
          if (started !== undefined && started !== childRunId) await invoked(started);
        }
        return;
    }
  }

  private timeline(state: RunState, op: OutgoingOp, attempt: number, startedAt: number, status: "Completed" | "Failed" | "Errored", output: string) {
    return recordTimeline(
      this.ctx,
      {
        runId: state.metadata.runId,
        stepId: op.id,
        attempt,
        name: stepName(op),
        op: op.op === "StepError" ? "StepRun" : op.op,
        status,
        startedAt,
        endedAt: this.ctx.clock.now(),
        output,
      },
      state.metadata.functionId,
    );
  }
}

/**
 * A discovery queued at stack length N and first run once the stack is longer is superseded:
 * whatever made the stack longer either queued the discovery for the new length or is still
 * calling the run itself (an inline continuation, checkpoints). Running it too could run the next
 * step twice, in two calls at once (across processes; within one, discoveries of a run take
 * turns). A discovery leased before still runs: its own call may have made the stack longer
 * (checkpoints, then a failure or a crash), and it may have to repair what it planned.
 */
function supersededDiscovery(item: CallJob, state: RunState, leasedBefore: boolean): boolean {
  const queuedAt = discoveryStackLength(item);
  return queuedAt !== undefined && queuedAt < state.stack.length && !leasedBefore;
}

function rank(op: OutgoingOp): number {
  return op.op === "WaitForEvent" ? 0 : 1;
}
