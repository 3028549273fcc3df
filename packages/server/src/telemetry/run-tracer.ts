import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, RandomIdGenerator, type IdGenerator } from "@opentelemetry/sdk-trace-base";
import type { WeftEvent } from "@weft/core";
import { formatTraceparent, runTraceContext, type EngineObserver, type RunEndStatus, type RunTraceContext } from "@weft/engine";
import type { QueueItem, RunStateStore, StepEntry } from "@weft/store";
import { traceSampleRatio, traceSampled } from "./run-sampling.js";

/** What a span needs to know about its run; looked up once per run and kept (`RunTracer.runs`). */
interface RunInfo {
  runId: string;
  functionId: string;
  trace: RunTraceContext;
  /** Whether this run's trace is kept (`traceSampled`): decided once, from its trace id. */
  sampled: boolean;
  /** The run's root span as a remote parent, built once for all its child spans. */
  parent: Context;
}

const keptRuns = 10_000;
/** Queue waits shorter than this get no span: most jobs are handed off and wait for nothing. */
const minQueueSpanMs = 1;

/**
 * Hands the tracer the ids Weft chose: a run's root span id (derived from the run id, so every
 * process agrees on it) and an app call's span id (chosen before the call, sent as `traceparent`).
 * Set just before a synchronous `startSpan`, which takes them; random ids otherwise.
 */
class ChosenIdGenerator implements IdGenerator {
  traceId: string | undefined;
  spanId: string | undefined;
  private readonly random = new RandomIdGenerator();

  generateTraceId(): string {
    const id = this.traceId ?? this.random.generateTraceId();
    this.traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.spanId ?? this.random.generateSpanId();
    this.spanId = undefined;
    return id;
  }

  randomSpanId(): string {
    return this.random.generateSpanId();
  }
}

export interface RunTracerOptions {
  /** OTLP/HTTP base URL (`--otel-endpoint`); spans go to `<url>/v1/traces`. Unset: the exporter reads `OTEL_EXPORTER_OTLP_*`. */
  endpoint?: string;
  /** Where a run's function and trigger event are read when this process has not seen the run yet. */
  state: Pick<RunStateStore, "loadRun">;
  /** `service.name` when `OTEL_SERVICE_NAME` is unset. */
  serviceName?: string;
  /** `OTEL_TRACES_SAMPLER(_ARG)` are read here (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Traces runs over OTLP/HTTP with the official SDK. Each run is a trace: a root span `run <fn>`
 * (written when the run ends, with the id every process derived for it), and under it a span per
 * queue wait, app call, step attempt and step write. Spans are made when their work is over, with
 * the recorded start and end times, so no span lives across an `await` or a process.
 *
 * `traceIdOf(runId, event)` (from @weft/engine) gives the same trace id for log lines.
 */
export class RunTracer implements EngineObserver {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly ids = new ChosenIdGenerator();
  /** Runs this process has seen, newest last (a bounded map: the oldest are dropped). */
  private readonly runs = new Map<string, RunInfo | Promise<RunInfo | undefined>>();
  /** The share of runs traced, from `OTEL_TRACES_SAMPLER(_ARG)`; the provider's own sampler keeps every span it is given. */
  private readonly sampleRatio: number;

  constructor(private readonly opts: RunTracerOptions) {
    this.sampleRatio = traceSampleRatio(opts.env ?? process.env);
    const url = opts.endpoint ? `${opts.endpoint.replace(/\/+$/, "")}/v1/traces` : undefined;
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME || (opts.serviceName ?? "weft") }),
      idGenerator: this.ids,
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(url ? { url } : {}))],
    });
    this.tracer = this.provider.getTracer("weft");
  }

  /** Send what is buffered (tests, shutdown). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  eventsReceived(): void {}

  jobStarted(item: QueueItem, startedAt: number): void {
    // A job run as soon as it was due (a hand-off) waited for nothing: no span to say so.
    if (item.runId === undefined || startedAt - item.availableAt < minQueueSpanMs) return;
    this.withRun(item.runId, undefined, (run) => {
      const attributes = { "weft.run.id": run.runId, "weft.job.kind": item.kind, "weft.job.id": item.id, "weft.attempt": item.attempt };
      this.span(run, `queue ${item.kind}`, item.availableAt, attributes).end(startedAt);
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
      // The sender's span, or none: a run without a sender starts its own trace, with its derived id.
      const parent = parentSpanId ? remoteContext(traceId, parentSpanId) : ROOT_CONTEXT;
      this.ids.traceId = traceId;
      this.ids.spanId = rootSpanId;
      const span = this.tracer.startSpan(
        `run ${functionId}`,
        { kind: SpanKind.INTERNAL, startTime: createdAt, attributes: { "weft.function.id": functionId, "weft.run.id": runId, "weft.run.status": status } },
        parent,
      );
      if (status === "Failed") failed(span, error);
      span.end(endedAt);
    });
  }

  appCallStarted(runId: string, functionId: string, _stepId: string, _attempt: number, trigger: WeftEvent | undefined): string | undefined {
    const known = this.runs.get(runId);
    const run = known && !(known instanceof Promise) ? known : this.runInfo(runId, functionId, trigger);
    if (run !== known) this.remember(runId, run);
    // The call's span id is chosen now so the app's spans can name it as their parent.
    const traceparent = formatTraceparent(run.trace.traceId, this.ids.randomSpanId());
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
      if (traceparent) this.ids.spanId = traceparent.slice(36, 52);
      const span = this.span(run, `call ${functionId}`, startedAt, {
        "weft.run.id": run.runId,
        "weft.function.id": functionId,
        "weft.step.id": stepId,
        "weft.attempt": attempt,
        "weft.call.outcome": outcome,
      });
      if (outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(endedAt);
    });
  }

  stepSaved(runId: string, stepId: string, startedAt: number, endedAt: number): void {
    this.withRun(runId, undefined, (run) => this.span(run, "store save_step", startedAt, { "weft.run.id": run.runId, "weft.step.id": stepId }).end(endedAt));
  }

  stepRecorded(entry: StepEntry): void {
    const { endedAt } = entry;
    if (endedAt === undefined) return;
    this.withRun(entry.runId, undefined, (run) => {
      const span = this.span(run, `step ${entry.name}`, entry.startedAt, {
        "weft.run.id": run.runId,
        "weft.function.id": run.functionId,
        "weft.step.id": entry.stepId,
        "weft.step.name": entry.name,
        "weft.step.op": entry.op,
        "weft.attempt": entry.attempt,
        "weft.step.status": entry.status,
      });
      if (entry.status === "Failed" || entry.status === "Errored") failed(span, errorOf(entry.output));
      span.end(endedAt);
    });
  }

  flowRefused(): void {}

  /** A child of the run's root span (its attributes include `weft.run.id`), ended by the caller. */
  private span(run: RunInfo, name: string, startTime: number, attributes: Attributes): Span {
    return this.tracer.startSpan(name, { startTime, attributes }, run.parent);
  }

  private runInfo(runId: string, functionId: string, trigger: WeftEvent | undefined): RunInfo {
    const trace = runTraceContext(runId, trigger);
    return { runId, functionId, trace, sampled: traceSampled(trace.traceId, this.sampleRatio), parent: remoteContext(trace.traceId, trace.rootSpanId) };
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

function remoteContext(traceId: string, spanId: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
}

function failed(span: Span, error: unknown): void {
  const e = (error && typeof error === "object" ? error : { message: String(error) }) as { name?: unknown; message?: unknown; stack?: unknown };
  const name = typeof e.name === "string" ? e.name : "Error";
  const message = typeof e.message === "string" ? e.message : JSON.stringify(error);
  span.recordException({ name, message, stack: typeof e.stack === "string" ? e.stack : undefined });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${name}: ${message}` });
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
