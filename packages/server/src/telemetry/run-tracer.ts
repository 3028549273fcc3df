import { RandomIdGenerator } from "@opentelemetry/sdk-trace-base";
import type { WeftEvent } from "@weft/core";
import { formatTraceparent, runTraceContext, type EngineObserver, type RunEndStatus, type RunTraceContext } from "@weft/engine";
import type { QueueItem, RunStateStore, StepEntry } from "@weft/store";
import { failure, type SpanAttributes, type SpanFailure } from "./finished-span.js";
import { traceSampleRatio, traceSampled } from "./run-sampling.js";
import { SpanExportThread } from "./span-export-thread.js";

/** What a span needs to know about its run; looked up once per run and kept (`RunTracer.runs`). */
interface RunInfo {
  runId: string;
  functionId: string;
  trace: RunTraceContext;
  /** Whether this run's trace is kept (`traceSampled`): decided once, from its trace id. */
  sampled: boolean;
}

const keptRuns = 10_000;
/** A failed call: ERROR, described by the step's own span. */
const callFailed: SpanFailure = { statusMessage: "the call failed" };
/** Queue waits shorter than this get no span: most jobs are handed off and wait for nothing. */
const minQueueSpanMs = 1;

export interface RunTracerOptions {
  /** OTLP/HTTP base URL (`--otel-endpoint`); spans go to `<url>/v1/traces`. Unset: the exporter reads `OTEL_EXPORTER_OTLP_*`. */
  endpoint?: string;
  /** Where a run's function and trigger event are read when this process has not seen the run yet. */
  state: Pick<RunStateStore, "loadRun">;
  /** `service.name` when `OTEL_SERVICE_NAME` is unset. */
  serviceName?: string;
  /** `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*` and `OTEL_EXPORTER_OTLP_*` are read here (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Traces runs over OTLP/HTTP with the official SDK's batch processor and exporter, which run on
 * their own thread (`SpanExportThread`: exporting was most of what tracing cost). Each run is a
 * trace: a root span `run <fn>` (written when the run ends, with the id every process derived for
 * it), and under it a span per queue wait, app call, step attempt and step write. Spans are written
 * when their work is over, with the recorded start and end times (`SpanBatch`), so no span lives
 * across an `await` or a process; span ids no one else needs are chosen by the export thread.
 * Which runs are traced: `OTEL_TRACES_SAMPLER(_ARG)`, decided per run (`run-sampling.ts`).
 *
 * `traceIdOf(runId, event)` (from @weft/engine) gives the same trace id for log lines.
 */
export class RunTracer implements EngineObserver {
  private readonly exporter: SpanExportThread;
  private readonly ids = new RandomIdGenerator();
  /** Runs this process has seen, newest last (a bounded map: the oldest are dropped). */
  private readonly runs = new Map<string, RunInfo | Promise<RunInfo | undefined>>();
  /** The share of runs traced, from `OTEL_TRACES_SAMPLER(_ARG)`. */
  private readonly sampleRatio: number;

  constructor(private readonly opts: RunTracerOptions) {
    const env = opts.env ?? process.env;
    this.sampleRatio = traceSampleRatio(env);
    const url = opts.endpoint ? `${opts.endpoint.replace(/\/+$/, "")}/v1/traces` : undefined;
    const serviceName = env.OTEL_SERVICE_NAME || (opts.serviceName ?? "weft");
    this.exporter = new SpanExportThread({ url, serviceName, env });
  }

  /** Send what is buffered (tests, shutdown). */
  flush(): Promise<void> {
    return this.exporter.flush();
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  eventsReceived(): void {}

  jobStarted(item: QueueItem, startedAt: number): void {
    // A job run as soon as it was due (a hand-off) waited for nothing: no span to say so.
    if (item.runId === undefined || startedAt - item.availableAt < minQueueSpanMs) return;
    this.withRun(item.runId, undefined, (run) => {
      const attributes = { "weft.run.id": run.runId, "weft.job.kind": item.kind, "weft.job.id": item.id, "weft.attempt": item.attempt };
      this.child(run, `queue ${item.kind}`, "", item.availableAt, startedAt, attributes);
    });
  }

  jobFinished(): void {}

  runStarted(runId: string, functionId: string, _createdAt: number, trigger: WeftEvent | undefined): void {
    this.remember(runId, this.runInfo(runId, functionId, trigger));
  }

  runFinished(
    runId: string,
    functionId: string,
    status: RunEndStatus,
    createdAt: number,
    endedAt: number,
    error: unknown,
    trigger: WeftEvent | undefined,
  ): void {
    this.remember(runId, this.runInfo(runId, functionId, trigger));
    this.withRun(runId, functionId, (run) => {
      const { traceId, rootSpanId, parentSpanId } = run.trace;
      // Under the sender's span, or none: a run without a sender starts its own trace, with its derived id.
      const attributes = { "weft.function.id": functionId, "weft.run.id": runId, "weft.run.status": status };
      const failed = status === "Failed" ? failure(error) : undefined;
      this.exporter.add(`run ${functionId}`, traceId, rootSpanId, parentSpanId ?? "", createdAt, endedAt, attributes, failed);
    });
  }

  appCallStarted(runId: string, functionId: string, _stepId: string, _attempt: number, trigger: WeftEvent | undefined): string | undefined {
    const known = this.runs.get(runId);
    const run = known && !(known instanceof Promise) ? known : this.runInfo(runId, functionId, trigger);
    if (run !== known) this.remember(runId, run);
    // The call's span id is chosen now so the app's spans can name it as their parent.
    const traceparent = formatTraceparent(run.trace.traceId, this.ids.generateSpanId());
    // An unsampled run still hands the app its trace (log correlation), flagged not sampled.
    return run.sampled ? traceparent : `${traceparent.slice(0, -2)}00`;
  }

  appCallEnded(
    runId: string,
    functionId: string,
    stepId: string,
    attempt: number,
    traceparent: string | undefined,
    outcome: "ok" | "error",
    startedAt: number,
    endedAt: number,
  ): void {
    this.withRun(runId, functionId, (run) => {
      // The span id sent to the app as the call's (`appCallStarted`), so the app's spans hang under it.
      const spanId = traceparent?.slice(36, 52) ?? "";
      const attributes = {
        "weft.run.id": run.runId,
        "weft.function.id": functionId,
        "weft.step.id": stepId,
        "weft.attempt": attempt,
        "weft.call.outcome": outcome,
      };
      this.child(run, `call ${functionId}`, spanId, startedAt, endedAt, attributes, outcome === "error" ? callFailed : undefined);
    });
  }

  stepSaved(runId: string, stepId: string, startedAt: number, endedAt: number): void {
    this.withRun(runId, undefined, (run) => this.child(run, "store save_step", "", startedAt, endedAt, { "weft.run.id": run.runId, "weft.step.id": stepId }));
  }

  stepRecorded(entry: StepEntry): void {
    const { endedAt } = entry;
    if (endedAt === undefined) return;
    this.withRun(entry.runId, undefined, (run) => {
      const attributes = {
        "weft.run.id": run.runId,
        "weft.function.id": run.functionId,
        "weft.step.id": entry.stepId,
        "weft.step.name": entry.name,
        "weft.step.op": entry.op,
        "weft.attempt": entry.attempt,
        "weft.step.status": entry.status,
      };
      const failed = entry.status === "Failed" || entry.status === "Errored" ? failure(errorOf(entry.output)) : undefined;
      this.child(run, `step ${entry.name}`, "", entry.startedAt, endedAt, attributes, failed);
    });
  }

  flowRefused(): void {}

  /** A finished child of the run's root span (its attributes include `weft.run.id`); spanId "": the export thread picks one. */
  private child(run: RunInfo, name: string, spanId: string, startMs: number, endMs: number, attributes: SpanAttributes, failed?: SpanFailure): void {
    this.exporter.add(name, run.trace.traceId, spanId, run.trace.rootSpanId, startMs, endMs, attributes, failed);
  }

  private runInfo(runId: string, functionId: string, trigger: WeftEvent | undefined): RunInfo {
    const trace = runTraceContext(runId, trigger);
    return {
      runId,
      functionId,
      trace,
      sampled: traceSampled(trace.traceId, this.sampleRatio),
    };
  }

  /** Run `emit` with the run's info: at once when this process knows the run, else once it is read; never for an unsampled run. */
  private withRun(runId: string, functionId: string | undefined, emit: (run: RunInfo) => void): void {
    if (this.sampleRatio <= 0) return;
    const known = this.runs.get(runId);
    if (known && !(known instanceof Promise)) {
      if (known.sampled) emit(known);
      return;
    }
    void (known ?? this.lookup(runId, functionId)).then((run) => run?.sampled && emit(run));
  }

  private lookup(runId: string, functionId: string | undefined): Promise<RunInfo | undefined> {
    const pending = this.opts.state.loadRun(runId).then(
      (state) => {
        if (!state) {
          this.runs.delete(runId);
          return undefined;
        }
        const info = this.runInfo(runId, functionId ?? state.metadata.functionId, state.events[0]);
        this.remember(runId, info);
        return info;
      },
      () => {
        this.runs.delete(runId);
        return undefined;
      },
    );
    this.runs.set(runId, pending);
    return pending;
  }

  private remember(runId: string, info: RunInfo): void {
    this.runs.delete(runId);
    this.runs.set(runId, info);
    if (this.runs.size > keptRuns) {
      const oldest = this.runs.keys().next().value;
      if (oldest !== undefined) this.runs.delete(oldest);
    }
  }
}

/** The error of a timeline line's output (`{"error": …}`). */
function errorOf(output: string | undefined): unknown {
  if (output === undefined) return undefined;
  try {
    return (JSON.parse(output) as { error?: unknown }).error;
  } catch {
    return output;
  }
}
