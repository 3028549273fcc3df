import type { WeftEvent } from "@weft/core";
import type { QueueItem, StepEntry } from "@weft/store";

/** Why flow control held a run back (`weft_flow_refused_total{reason}`). */
export type FlowRefusal = "concurrency" | "throttle" | "rate-limit" | "singleton";

/** How a run ended, as the observer hears it. */
export type RunEndStatus = "Completed" | "Failed" | "Cancelled";

/**
 * The engine's one instrumentation seam: traces and metrics (packages/server/src/telemetry) both
 * listen here instead of OTel or Prometheus calls being spread through the engine. The engine holds
 * it as `ctx.observer`, undefined when nothing listens, and calls it as `ctx.observer?.x(…)`: when
 * undefined, optional chaining skips the call and never evaluates its arguments, so a disabled
 * observer costs one property read per point and allocates nothing.
 *
 * Hooks are synchronous and must not throw: an observer records, it never decides. Times are the
 * engine clock's milliseconds.
 */
export interface EngineObserver {
  /** Events accepted from a sender (not the engine's own lifecycle events). */
  eventsReceived(count: number): void;
  /** A job leased by this process starts running: it waited `startedAt - item.availableAt` in the queue. */
  jobStarted(item: QueueItem, startedAt: number): void;
  /** A job's handler returned (`done` / `retry`) or threw (`error`). */
  jobFinished(item: QueueItem, outcome: "done" | "retry" | "error", startedAt: number, endedAt: number): void;
  /** A run was created (once per run, by the process that created it); `trigger` is its first event. */
  runStarted(runId: string, functionId: string, createdAt: number, trigger: WeftEvent | undefined): void;
  /** A run ended (once per run: the process that won the finalize claim). */
  runFinished(
    runId: string,
    functionId: string,
    status: RunEndStatus,
    createdAt: number,
    endedAt: number,
    error: unknown,
    trigger: WeftEvent | undefined,
  ): void;
  /**
   * A call to the app is about to be made. Answers the W3C `traceparent` to send with it (the
   * call's span in the run's trace), or undefined to send none.
   */
  appCallStarted(runId: string, functionId: string, stepId: string, attempt: number, trigger: WeftEvent | undefined): string | undefined;
  /** The call returned (`ok`: any answer of the SDK's; `error`: an error answer or no answer). */
  appCallEnded(
    runId: string,
    functionId: string,
    stepId: string,
    attempt: number,
    traceparent: string | undefined,
    outcome: "ok" | "error",
    startedAt: number,
    endedAt: number,
  ): void;
  /** A step's result was written to run state (the write's own timing). */
  stepSaved(runId: string, stepId: string, startedAt: number, endedAt: number): void;
  /** A timeline line was written; lines with `endedAt` are finished attempts (steps, sleeps, waits). */
  stepRecorded(entry: StepEntry): void;
  /** Flow control held a run back or dropped it. */
  flowRefused(functionId: string, reason: FlowRefusal): void;
}

/** One observer that forwards every hook to each of `observers` (traces and metrics at once). */
export function combineObservers(...observers: (EngineObserver | undefined)[]): EngineObserver | undefined {
  const list = observers.filter((o): o is EngineObserver => o !== undefined);
  if (list.length <= 1) return list[0];
  return {
    eventsReceived: (count) => {
      for (const o of list) o.eventsReceived(count);
    },
    jobStarted: (item, startedAt) => {
      for (const o of list) o.jobStarted(item, startedAt);
    },
    jobFinished: (item, outcome, startedAt, endedAt) => {
      for (const o of list) o.jobFinished(item, outcome, startedAt, endedAt);
    },
    runStarted: (runId, functionId, createdAt, trigger) => {
      for (const o of list) o.runStarted(runId, functionId, createdAt, trigger);
    },
    runFinished: (runId, functionId, status, createdAt, endedAt, error, trigger) => {
      for (const o of list) o.runFinished(runId, functionId, status, createdAt, endedAt, error, trigger);
    },
    // The first observer that answers a traceparent decides it (only the tracer does).
    appCallStarted: (runId, functionId, stepId, attempt, trigger) => {
      let traceparent: string | undefined;
      for (const o of list) traceparent = o.appCallStarted(runId, functionId, stepId, attempt, trigger) ?? traceparent;
      return traceparent;
    },
    appCallEnded: (runId, functionId, stepId, attempt, traceparent, outcome, startedAt, endedAt) => {
      for (const o of list) o.appCallEnded(runId, functionId, stepId, attempt, traceparent, outcome, startedAt, endedAt);
    },
    stepSaved: (runId, stepId, startedAt, endedAt) => {
      for (const o of list) o.stepSaved(runId, stepId, startedAt, endedAt);
    },
    stepRecorded: (entry) => {
      for (const o of list) o.stepRecorded(entry);
    },
    flowRefused: (functionId, reason) => {
      for (const o of list) o.flowRefused(functionId, reason);
    },
  };
}
