import type { OutgoingOp, WeftEvent } from "@weft/core";
import { lastExpressionError, type ExpressionErrorRecord } from "./expression-errors.js";
import { CheckpointedRuns, checkpointSteps, type CheckpointResult } from "./checkpoint.js";
import { systemClock, type Clock, type FunctionRecord, type Stores } from "@weft/store";
import { defaultBackoff, type Backoff } from "./backoff.js";
import type { EngineContext } from "./context.js";
import type { CallGate } from "./call-gate.js";
import type { Driver } from "./driver.js";
import { scheduleCrons } from "./cron.js";
import { Executor } from "./executor.js";
import { FlowController } from "./flow/flow-controller.js";
import { jobHandlers } from "./job-handlers.js";
import { dispatchJob, type JobHandlers } from "./jobs.js";
import { replayRun } from "./replay.js";
import { bulkProgress, countBulk, startBulk, type BulkOperation } from "./bulk/bulk-operations.js";
import type { BulkFilter, BulkKind } from "./bulk/bulk-filter.js";
import { RetentionSweeper, type RetentionOptions, type SweepResult } from "./retention-sweep.js";
import { deliverSignal } from "./pauses.js";
import { finalizeRun } from "./finalize.js";
import { FunctionRegistry } from "./function-registry.js";
import { HttpDriver } from "./http-driver.js";
import { HandoffQueue } from "./handoff-queue.js";
import { ingestEvents, type IngestOptions } from "./ingest.js";
import { resolveLimits, type Limits } from "./limits.js";
import type { UrlPolicy } from "./url-policy.js";
import { privateAddressGuard } from "./fetch-guard.js";
import { consoleLogger, type Logger } from "./logger.js";
import type { EngineObserver } from "./observer.js";
import { registerApp } from "./register.js";
import { startRun } from "./run-starter.js";
import { Worker } from "./worker.js";

const functionRefreshMs = 2000;

export interface EngineOptions {
  stores: Stores;
  driver?: Driver;
  clock?: Clock;
  /** Delay before retry n (0-based); default Inngest's 15 s … 2 h table. */
  backoff?: Backoff;
  /** Jobs in flight at once in this process (default 32). */
  concurrency?: number;
  /**
   * Calls of one app (its discover, step and gateway jobs) in flight at once in this process
   * (`--max-app-calls`, default half of `concurrency`), so a hung app cannot starve the others.
   */
  maxCallsPerApp?: number;
  /** A further say in whether a calling job runs in this process now (the Connect gateway's; see `CallGate`). */
  callGate?: CallGate;
  /** Job lease (default 10 s), extended while the job runs: a crashed process's jobs return after it. */
  leaseMs?: number;
  /** Safety-net poll for work queued by other processes (default 1000 ms). */
  pollMs?: number;
  env?: string;
  log?: Logger;
  /** Size and count limits; each unset one takes its default (`defaultLimits`). */
  limits?: Partial<Limits>;
  /** Targets `step.fetch` and `step.ai.infer` may call (`--allow-fetch-url`); any when unset. */
  allowFetchUrl?: UrlPolicy;
  /** Refuse `step.fetch` / `step.ai.infer` targets that resolve to private, loopback or link-local addresses (`weft start`). */
  denyPrivateFetch?: boolean;
  /** Traces and metrics (`combineObservers` for several); none by default, which costs nothing. */
  observer?: EngineObserver;
  /** How long history is kept (`--retention*`); forever when unset. */
  retention?: RetentionOptions;
}

/**
 * The engine: ingests events, runs functions step by step through a driver, and keeps every
 * promise through the store interfaces only. It never knows which stores it talks to.
 */
export class Engine {
  readonly registry: FunctionRegistry;
  private readonly ctx: EngineContext;
  private readonly executor: Executor;
  private readonly jobs: JobHandlers;
  private readonly worker: Worker;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly sweeper: RetentionSweeper;
  /** The limits in force (defaults filled in). */
  readonly limits: Limits;

  constructor(opts: EngineOptions) {
    const clock = opts.clock ?? systemClock;
    const log = opts.log ?? consoleLogger;
    this.registry = new FunctionRegistry(opts.stores.registry);
    const worker = new Worker(opts.stores.queue, (lease) => dispatchJob(this.jobs, lease), {
      concurrency: opts.concurrency ?? 32,
      maxCallsPerApp: opts.maxCallsPerApp,
      callGate: opts.callGate,
      leaseMs: opts.leaseMs ?? 10_000,
      pollMs: opts.pollMs ?? 1000,
      clock,
      log,
      observer: opts.observer,
    });
    this.worker = worker;
    this.ctx = {
      // Jobs this engine queues go through its worker, which may take one at once (hand-off).
      stores: { ...opts.stores, queue: new HandoffQueue(opts.stores.queue, worker) },
      clock,
      driver: opts.driver ?? new HttpDriver(),
      registry: this.registry,
      backoff: opts.backoff ?? defaultBackoff,
      log,
      env: opts.env ?? "dev",
      flow: new FlowController(opts.stores.flow, clock, opts.env ?? "dev"),
      limits: resolveLimits(opts.limits),
      allowFetchUrl: opts.allowFetchUrl,
      fetchDispatcher: opts.denyPrivateFetch ? privateAddressGuard() : undefined,
      checkpointed: new CheckpointedRuns(),
      observer: opts.observer,
      cancelRun: (runId, reason) => this.cancelRun(runId, reason),
    };
    this.limits = this.ctx.limits;
    this.executor = new Executor(this.ctx, (fn, event, correlationId, runId) => this.startInvoked(fn, event, correlationId, runId));
    this.jobs = jobHandlers(this.ctx, this.executor);
    this.sweeper = new RetentionSweeper(this.ctx, opts.retention ?? {});
  }

  /** Load the synced functions and start working the queue. Stores must already be initialised. */
  async start(): Promise<void> {
    await this.reloadFunctions();
    this.worker.start();
    this.sweeper.start();
    // Syncs handled by other engine processes reach this one within a few seconds.
    // Warned once until a re-read succeeds: an outage must not print a line every 2 s.
    let refreshFailing = false;
    this.refreshTimer = setInterval(() => {
      this.reloadFunctions().then(
        () => (refreshFailing = false),
        (e: unknown) => {
          if (!refreshFailing) this.ctx.log.warn(`could not re-read functions (will keep trying): ${(e as Error).message}`);
          refreshFailing = true;
        },
      );
    }, functionRefreshMs);
    this.refreshTimer.unref();
  }

  /** Re-read the synced functions; when they changed, make sure every cron has its next tick queued. */
  async reloadFunctions(): Promise<void> {
    if (await this.registry.reload()) await scheduleCrons(this.ctx, this.registry.all());
  }

  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    await this.sweeper.stop();
    await this.worker.stop();
    await this.ctx.driver.close();
    await this.ctx.fetchDispatcher?.close();
  }

  /** Accept events (user-sent); resolves with their ids once they are durable. */
  send(events: unknown, opts: Pick<IngestOptions, "seed" | "traceparent"> = {}): Promise<string[]> {
    return ingestEvents(this.ctx, events, opts);
  }

  /**
   * Send a signal (`step.waitForSignal`): the run waiting on `signal` resumes with
   * `{ signal, data }`. Answers its id, or undefined when no run waits on the signal.
   */
  sendSignal(signal: string, data: unknown): Promise<string | undefined> {
    return deliverSignal(this.ctx, signal, data);
  }

  /** The last runtime error of the function's trigger expression in this process (issue 18), if any. */
  lastExpressionError(functionId: string): ExpressionErrorRecord | undefined {
    return lastExpressionError(this.ctx, functionId);
  }

  /** Store an app's functions from a register body (protocol §1.2). */
  async register(body: unknown): Promise<{ appId: string; modified: boolean }> {
    const result = await registerApp(this.ctx, body);
    if (result.modified) await this.reloadFunctions();
    return result;
  }

  /** Results a v4 SDK checkpoints while it runs steps in-process (protocol §11). */
  checkpoint(runId: string, ops: OutgoingOp[], attempt?: number): Promise<CheckpointResult> {
    return checkpointSteps(this.ctx, runId, ops, attempt);
  }

  /**
   * A checkpoint request as every transport answers it (the server's route, the embedded one):
   * the parsed body (undefined when it is not JSON) checked, and the result as an HTTP status.
   * 409 tells the SDK the dispatch is stale (the run ended, e.g. cancelled), so it stops.
   */
  async answerCheckpoint(runId: string, body: unknown): Promise<{ status: 200 | 400 | 404 | 409; body: Record<string, unknown> }> {
    const { steps, attempt } = (body ?? {}) as { steps?: unknown; attempt?: unknown };
    if (!Array.isArray(steps) || !steps.every((s) => s && typeof s === "object" && typeof (s as OutgoingOp).id === "string")) {
      return { status: 400, body: { error: 'body must be {"steps": [ops…]}' } };
    }
    const result = await this.checkpoint(runId, steps as OutgoingOp[], Number.isInteger(attempt) ? (attempt as number) : undefined);
    if (result === "run-not-found") return { status: 404, body: { error: `run ${runId} not found` } };
    if (result === "run-ended") return { status: 409, body: { error: `run ${runId} has ended` } };
    return { status: 200, body: { ok: true } };
  }

  /**
   * A new run of an ended run's function and events, reusing the results of the steps recorded
   * before `fromStepId` (none: a rerun from the start). Answers the new run's id.
   */
  replayRun(runId: string, fromStepId?: string): Promise<string> {
    return replayRun(this.ctx, runId, fromStepId);
  }

  /**
   * Cancel (Running runs) or replay (Failed / Cancelled runs) every run the filter matches, in pages
   * worked as queue jobs by any engine process. Answers at once with the operation (status
   * `running`); `bulkOperation(id)` follows its progress. A filter that cannot work throws
   * `InvalidInputError` naming the problem.
   */
  startBulk(kind: BulkKind, filter: BulkFilter, fromStep?: string): Promise<BulkOperation> {
    return startBulk(this.ctx, kind, filter, fromStep);
  }

  /** A bulk operation's progress; undefined when unknown. */
  bulkOperation(id: string): Promise<BulkOperation | undefined> {
    return bulkProgress(this.ctx, id);
  }

  /** A dry run of a bulk operation: how many runs it would act on now. */
  countBulk(kind: BulkKind, filter: BulkFilter): Promise<number> {
    return countBulk(this.ctx, kind, filter);
  }

  /** Run the retention sweep now (it also runs on its own every `retention.intervalMs`). */
  sweepRetention(): Promise<SweepResult> {
    return this.sweeper.sweep();
  }

  /** Pause a function (no new runs start; running ones go on) or resume it. */
  pauseFunction(functionId: string, paused: boolean): Promise<void> {
    return this.ctx.flow.setPaused(functionId, paused);
  }

  isFunctionPaused(functionId: string): Promise<boolean> {
    return this.ctx.flow.isPaused(functionId);
  }

  /** Cancel every running run of a function, page by page; answers how many were cancelled. */
  async cancelFunctionRuns(functionId: string, reason = "cancelled in bulk"): Promise<number> {
    let cancelled = 0;
    let before: string | undefined;
    for (;;) {
      const page = await this.ctx.stores.history.listRuns({ functionId, status: "Running", before, limit: 100 });
      for (const run of page) if (await this.cancelRun(run.runId, reason)) cancelled++;
      if (page.length < 100) return cancelled;
      before = page.at(-1)?.runId;
    }
  }

  /** Cancel a running run. Answers false when it had already ended (or does not exist). */
  async cancelRun(runId: string, reason = "cancelled by request"): Promise<boolean> {
    const state = await this.ctx.stores.state.loadRun(runId);
    if (state?.metadata.status !== "Running") return false;
    return finalizeRun(this.ctx, state.metadata, state.events, {
      status: "Cancelled",
      error: { name: "FunctionCancelled", message: reason },
    });
  }

  private async startInvoked(fn: FunctionRecord, event: WeftEvent, correlationId: string, runId: string): Promise<string | undefined> {
    await this.ctx.stores.history.saveEvents([{ internalId: event.id, receivedAt: this.ctx.clock.now(), event }]);
    return startRun(this.ctx, fn, [event], {
      eventInternalId: event.id,
      correlationId,
      parentRunId: correlationId.split(".")[0],
      runId,
    });
  }
}
