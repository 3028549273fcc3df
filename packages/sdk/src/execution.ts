/**
 * The memo/replay engine (protocol §3–§6). Each call re-runs the handler from the top. Step tools
 * register the steps the handler reaches; once the handler's own code has settled, memoized
 * steps are resolved one at a time in completion order (the stack), so user code sees them in
 * the order they really finished (at once while the handler reaches them in that order, as a
 * sequential replay does). When the handler can only go on through steps that have no
 * state yet, the execution ends: it runs the one step it may run here, or reports what it found.
 * A step with state is never run again.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { NonRetriableError, RetryAfterError, StepError, hashStepId, isWeftError, serializeError } from "@weft/core";
import type { OutgoingOp, SerializedError } from "@weft/core";
import { stepErrorFrom } from "./errors.js";
import type { RawContext, RawHandler } from "./function.js";
import { parseSteps } from "./memo.js";
import type { Memo } from "./memo.js";
import type { EventInput } from "./send.js";
import type { TopicRef } from "./realtime.js";
import { createStepTools } from "./step-tools.js";
import type { StepSpec } from "./step-tools.js";
import type { Logger } from "./types.js";

/** One call, as read from the request body and URL. */
export interface ExecutionRequest {
  event: unknown;
  events: unknown[];
  steps: Record<string, unknown>;
  stack: readonly string[];
  runId: string;
  attempt: number;
  /** Unknown when the server leaves it out: errors are then always reported as retriable. */
  maxAttempts: number | undefined;
  disableImmediateExecution: boolean;
  /** The hashed id of the one step to run (`stepId=<hash>`), or undefined for discovery. */
  requestedStepId: string | undefined;
  /** Set when the server offers checkpointing (`ctx.fn_id` and `ctx.qi_id`, protocol §11). */
  checkpointTarget: { fnId: string; queueItemId: string } | undefined;
  /**
   * The server takes the results of several parallel steps in one response (`ctx.weft_parallel_steps`,
   * Weft's own field): a discovery may then run new parallel steps here together.
   */
  parallelSteps?: boolean;
}

export interface ExecutionOptions {
  handler: RawHandler;
  /** Set for `onFailure` handlers: the failed run's error, handed over as `ctx.error`. */
  error?: Error;
  /** The serving app's id (for `referenceFunction`s without an app). */
  appId: string;
  send(events: readonly EventInput[]): Promise<{ ids: string[] }>;
  /** Publish a realtime message tagged with the run (`step.realtime.publish`). */
  publish?: (ref: TopicRef, data: unknown, runId: string) => Promise<void>;
  logger: Logger;
  /** How long to wait for a requested step that the handler has not reached. */
  stepNotFoundTimeoutMs?: number;
  /**
   * Save a step's result on the server while the call goes on (protocol §11); resolves true once
   * it is durable. Without it (or once it fails) each step ends the call, as in the classic protocol.
   */
  checkpoint?: (op: OutgoingOp) => Promise<boolean>;
  /** How long one call may go on running steps and checkpointing them (default 1 s). */
  checkpointBudgetMs?: number;
  /**
   * At most this many new parallel steps run here at once and are answered together, when the
   * server takes them (`ExecutionRequest.parallelSteps`). Under 2 (the default): none; parallel
   * steps are reported and the server calls the app once per step (the classic path).
   */
  maxParallelSteps?: number;
}

/** How an execution ended; the serve handler turns it into an HTTP response (protocol §4). */
export type ExecutionResult =
  | { type: "function-resolved"; data: unknown }
  | { type: "function-rejected"; error: SerializedError; retriable: boolean; retryAfter?: string }
  | { type: "step-ran"; op: OutgoingOp; retriable?: boolean; retryAfter?: string }
  /** Parallel steps run here together: their results (and any sleeps found beside them). */
  | { type: "steps-ran"; ops: OutgoingOp[]; retryAfter?: string }
  | { type: "steps-found"; ops: OutgoingOp[] }
  | { type: "step-not-found"; requestedStep: string; foundSteps: OutgoingOp[] };

interface FoundStep {
  spec: StepSpec;
  hashedId: string;
  index: number;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const defaultStepNotFoundTimeoutMs = 10_000;
const defaultCheckpointBudgetMs = 1000;
/**
 * Bytes of results one parallel group answers at most: Weft reads responses up to 8 MiB (or twice
 * the step output limit). Past it the rest of the group is left out, to run again in a later call.
 */
const parallelResultBudgetBytes = 4 * 1024 * 1024;

/** The user id of the step whose callback is running, to refuse steps nested inside it. */
const runningStepId = new AsyncLocalStorage<string>();

/** The JSON value a result is stored as (`undefined` → `null`); throws if it cannot be serialized. */
function toJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** When a `Retry-After` value (seconds, or a date) falls; the latest of a group's errors is answered. */
function retryAt(value: string): number | undefined {
  const seconds = Number(value);
  const at = Number.isFinite(seconds) ? Date.now() + seconds * 1000 : Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** Run one call of a function; resolves once the call has an answer. */
const noPublish = async () => {
  throw new Error("Weft: realtime publishing is not available here");
};

export function execute(options: ExecutionOptions, request: ExecutionRequest): Promise<ExecutionResult> {
  return new Execution(options, request).start();
}

class Execution {
  private readonly memos: Map<string, Memo>;
  /** Hashed ids with a result, in completion order. */
  private readonly order: string[];
  private readonly found = new Map<string, FoundStep>();
  /** Found steps with no stored result, in the order the handler reached them. */
  private readonly fresh = new Set<FoundStep>();
  private readonly idCounts = new Map<string, number>();
  private settledCount = 0;
  /** Index in `order` before which every stored result has been settled. */
  private nextInOrder = 0;
  private checkScheduled = false;
  private runningStep = false;
  private notFoundTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly startedAt = Date.now();
  /** Cleared by the first checkpoint that fails: the rest of the call takes the classic path. */
  private checkpointing: boolean;
  private result: ExecutionResult | undefined;
  private resolveResult: (result: ExecutionResult) => void = () => {};

  constructor(
    private readonly options: ExecutionOptions,
    private readonly request: ExecutionRequest,
  ) {
    ({ memos: this.memos, order: this.order } = parseSteps(request.steps, request.stack));
    // Only a discovery that may run steps here checkpoints (protocol §11).
    this.checkpointing =
      options.checkpoint !== undefined && request.checkpointTarget !== undefined && request.requestedStepId === undefined && !request.disableImmediateExecution;
  }

  start(): Promise<ExecutionResult> {
    const done = new Promise<ExecutionResult>((resolve) => {
      this.resolveResult = resolve;
    });
    const ctx: RawContext = {
      event: this.request.event,
      events: this.request.events,
      step: createStepTools({
        register: (spec) => this.register(spec),
        send: this.options.send,
        publish: (ref, data) => (this.options.publish ?? noPublish)(ref, data, this.request.runId),
        appId: this.options.appId,
      }),
      runId: this.request.runId,
      attempt: this.request.attempt,
      logger: this.replayAwareLogger(),
      ...(this.options.error ? { error: this.options.error } : {}),
    };
    void Promise.resolve()
      .then(() => this.options.handler(ctx))
      .then(
        (value) => this.finish(this.resolved(value)),
        (err: unknown) => this.finish(this.rejected(err)),
      );
    return done;
  }

  private get isFinalAttempt(): boolean {
    const max = this.request.maxAttempts;
    return max !== undefined && this.request.attempt >= max - 1;
  }

  private hasResult(hashedId: string): boolean {
    const memo = this.memos.get(hashedId);
    return memo !== undefined && memo.kind !== "input";
  }

  /** Called by the step tools, synchronously, for every step the handler reaches. */
  private register(spec: StepSpec): Promise<unknown> {
    const outer = runningStepId.getStore();
    if (outer !== undefined) {
      throw new NonRetriableError(`step "${spec.id}" was called inside step "${outer}" of run ${this.request.runId}; steps cannot be nested`);
    }
    if (this.result) return new Promise(() => {}); // the call is over; this step belongs to a later one
    let index = this.idCounts.get(spec.id) ?? 0;
    const idAt = (n: number) => hashStepId(n === 0 ? spec.id : `${spec.id}:${n}`);
    let hashedId = idAt(index);
    while (this.found.has(hashedId)) hashedId = idAt(++index);
    this.idCounts.set(spec.id, index + 1);
    const step = { spec, hashedId, index, settled: false } as FoundStep;
    const promise = new Promise<unknown>((resolve, reject) => {
      step.resolve = resolve;
      step.reject = reject;
    });
    promise.catch(() => {}); // a failed step the user never awaits must not crash the process
    this.found.set(hashedId, step);
    if (!this.hasResult(hashedId)) this.fresh.add(step);
    this.settleInOrder(step);
    this.scheduleCheck();
    return promise;
  }

  /**
   * Replay fast path: a step reached exactly when it is the next stored result in completion
   * order settles at once, so a replay of n sequential steps takes no event-loop turns. Anything
   * else (a later result reached first, a step with no result) waits for `check`.
   */
  private settleInOrder(step: FoundStep): void {
    if (this.runningStep) return;
    while (this.nextInOrder < this.order.length && this.found.get(this.order[this.nextInOrder] as string)?.settled) this.nextInOrder++;
    if (this.order[this.nextInOrder] !== step.hashedId) return;
    this.settle(step);
    this.nextInOrder++;
  }

  /** Look again once the handler's pending microtasks have run. */
  private scheduleCheck(): void {
    if (this.checkScheduled || this.result) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.check();
    });
  }

  private check(): void {
    if (this.result || this.runningStep) return;
    // Everything before `nextInOrder` is settled: look from there (a long call checks once per step).
    let next: FoundStep | undefined;
    for (let i = this.nextInOrder; i < this.order.length && !next; i++) {
      const step = this.found.get(this.order[i] as string);
      if (step && !step.settled) next = step;
    }
    if (next) {
      this.settle(next);
      this.scheduleCheck();
      return;
    }
    const fresh = [...this.fresh];
    const requested = this.request.requestedStepId;
    if (requested !== undefined) {
      const target = fresh.find((s) => s.hashedId === requested && s.spec.run);
      if (target) void this.runAndFinish(target);
      else if (fresh.length > 0) this.startNotFoundTimer(requested, fresh);
      return;
    }
    if (fresh.length === 0) return;
    const [only] = fresh;
    if (!this.request.disableImmediateExecution && fresh.length === 1 && only?.spec.run) {
      void (this.mayCheckpoint() ? this.runAndCheckpoint(only) : this.runAndFinish(only));
      return;
    }
    const group = this.parallelGroup(fresh);
    if (group) {
      void this.runGroup(group.run, group.report);
      return;
    }
    this.finish({ type: "steps-found", ops: fresh.map((s) => this.plannedOp(s)) });
  }

  private settle(step: FoundStep): void {
    step.settled = true;
    this.settledCount++;
    const memo = this.memos.get(step.hashedId);
    if (memo?.kind === "error") step.reject(stepErrorFrom(step.spec.id, memo.error));
    else step.resolve(memo?.kind === "data" ? memo.data : null);
  }

  private startNotFoundTimer(requested: string, fresh: FoundStep[]): void {
    if (this.notFoundTimer) return;
    this.notFoundTimer = setTimeout(() => {
      this.finish({ type: "step-not-found", requestedStep: requested, foundSteps: fresh.map((s) => this.plannedOp(s)) });
    }, this.options.stepNotFoundTimeoutMs ?? defaultStepNotFoundTimeoutMs);
  }

  private async runAndFinish(step: FoundStep): Promise<void> {
    this.runningStep = true;
    try {
      this.finish(await this.runStep(step));
    } finally {
      this.runningStep = false;
    }
  }

  /**
   * The parallel steps to run here together, when the server takes their results in one response:
   * the found steps the SDK runs itself (`step.run`, `sendEvent`, …), the first `maxParallelSteps`
   * of them, and the sleeps found beside them, reported as today (only when the whole group fits,
   * else they would hold back the rest until they end). A wait, an invoke or any other op among
   * them takes the classic path: a step run before its wait is set up could send the very event
   * the wait is for (§4.1).
   */
  private parallelGroup(fresh: FoundStep[]): { run: FoundStep[]; report: FoundStep[] } | undefined {
    const max = this.options.maxParallelSteps ?? 0;
    const { request } = this;
    if (!request.parallelSteps || max < 2 || request.disableImmediateExecution || request.requestedStepId !== undefined) return undefined;
    const runnable = fresh.filter((s) => s.spec.run);
    if (runnable.length === 0 || fresh.some((s) => !s.spec.run && s.spec.op !== "Sleep")) return undefined;
    if (runnable.length > max) return { run: runnable.slice(0, max), report: [] };
    return { run: runnable, report: fresh.filter((s) => !s.spec.run) };
  }

  /**
   * Run a parallel group at once and answer every result in one response (one request, one commit
   * on the server), which then calls again. Each step keeps its own outcome: a retriable error is
   * a `StepError` the server retries alone, in a call of its own, while its siblings' results stand.
   */
  private async runGroup(run: FoundStep[], report: FoundStep[]): Promise<void> {
    this.runningStep = true;
    let results: ExecutionResult[];
    try {
      results = await Promise.all(run.map((step) => this.runStep(step)));
    } finally {
      this.runningStep = false;
    }
    const ops: OutgoingOp[] = [];
    let bytes = 0;
    let retryAfter: { at: number; value: string } | undefined;
    for (const result of results) {
      if (result.type !== "step-ran") continue;
      bytes += Buffer.byteLength(JSON.stringify(result.op));
      // Always one: a single result fits any response the server reads.
      if (ops.length > 0 && bytes > parallelResultBudgetBytes) break;
      ops.push(result.op);
      const at = result.retryAfter === undefined ? undefined : retryAt(result.retryAfter);
      if (at !== undefined && result.retryAfter !== undefined && (retryAfter === undefined || at > retryAfter.at))
        retryAfter = { at, value: result.retryAfter };
    }
    if (ops.length === results.length) for (const step of report) ops.push(this.plannedOp(step));
    this.finish({ type: "steps-ran", ops, ...(retryAfter ? { retryAfter: retryAfter.value } : {}) });
  }

  private mayCheckpoint(): boolean {
    return this.checkpointing && Date.now() - this.startedAt < (this.options.checkpointBudgetMs ?? defaultCheckpointBudgetMs);
  }

  /**
   * Run a step, save its result on the server, and go on with the handler in this same call, as
   * if the result had been stored before the call began. A retriable error, or a checkpoint that
   * fails, ends the call with the step's result instead (the classic path: nothing is lost).
   */
  private async runAndCheckpoint(step: FoundStep): Promise<void> {
    this.runningStep = true;
    let result: ExecutionResult;
    try {
      result = await this.runStep(step);
      if (result.type === "step-ran" && (result.op.op === "StepRun" || result.op.op === "StepFailed")) {
        const { op } = result;
        if (await this.options.checkpoint?.(op).catch(() => false)) {
          this.memos.set(step.hashedId, op.op === "StepRun" ? { kind: "data", data: op.data ?? null } : { kind: "error", error: op.error });
          this.order.push(step.hashedId);
          this.fresh.delete(step);
          this.runningStep = false;
          this.settle(step);
          this.scheduleCheck();
          return;
        }
        this.checkpointing = false;
      }
    } finally {
      this.runningStep = false;
    }
    this.finish(result);
  }

  private async runStep(step: FoundStep): Promise<ExecutionResult> {
    const memo = this.memos.get(step.hashedId);
    const input = memo?.kind === "input" ? memo.input : (step.spec.input ?? []);
    const base = this.baseOp(step);
    try {
      const data = toJson(await runningStepId.run(step.spec.id, () => step.spec.run?.(...input)));
      return { type: "step-ran", op: { ...base, op: "StepRun", data } };
    } catch (err) {
      const error = serializeError(err);
      if (isWeftError(err, NonRetriableError) || this.isFinalAttempt) {
        const data = { __serialized: true, name: error.name, message: error.message, stack: "" };
        return { type: "step-ran", op: { ...base, op: "StepFailed", error, data }, retriable: false };
      }
      const retryAfter = isWeftError(err, RetryAfterError) ? err.retryAfter : undefined;
      return { type: "step-ran", op: { ...base, op: "StepError", error }, retriable: true, ...(retryAfter ? { retryAfter } : {}) };
    }
  }

  private baseOp(step: FoundStep): Omit<OutgoingOp, "op"> {
    return {
      id: step.hashedId,
      name: step.spec.name ?? step.spec.id,
      displayName: step.spec.id,
      ...(step.spec.opts ? { opts: step.spec.opts } : {}),
      userland: step.index > 0 ? { id: step.spec.id, index: step.index } : { id: step.spec.id },
    };
  }

  private plannedOp(step: FoundStep): OutgoingOp {
    return { ...this.baseOp(step), op: step.spec.op };
  }

  private resolved(value: unknown): ExecutionResult {
    try {
      return { type: "function-resolved", data: toJson(value) };
    } catch (err) {
      return this.rejected(err);
    }
  }

  /** Errors outside steps: retriable unless non-retriable, an uncaught failed step, or the last attempt. */
  private rejected(err: unknown): ExecutionResult {
    const retriable = !(isWeftError(err, NonRetriableError) || isWeftError(err, StepError) || this.isFinalAttempt);
    const retryAfter = retriable && isWeftError(err, RetryAfterError) ? err.retryAfter : undefined;
    return { type: "function-rejected", error: serializeError(err), retriable, ...(retryAfter ? { retryAfter } : {}) };
  }

  private finish(result: ExecutionResult): void {
    if (this.result) return;
    this.result = result;
    clearTimeout(this.notFoundTimer);
    this.resolveResult(result);
  }

  /** Logs only once replay is over (or from inside a running step), so replays do not repeat them. */
  private replayAwareLogger(): Logger {
    const base = this.options.logger;
    const gate =
      (level: keyof Logger) =>
      (...args: unknown[]): void => {
        if (this.runningStep || this.settledCount >= this.order.length) base[level](...args);
      };
    return { debug: gate("debug"), info: gate("info"), warn: gate("warn"), error: gate("error") };
  }
}
