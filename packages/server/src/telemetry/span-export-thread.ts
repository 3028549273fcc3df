import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { SPAN_FIELDS, SpanBatch } from "./finished-span.js";

export interface SpanExportThreadOptions {
  /** The full OTLP/HTTP traces URL; unset, the exporter reads `OTEL_EXPORTER_OTLP_*` from `env`. */
  url?: string;
  /** The resource's `service.name`. */
  serviceName: string;
  /** The export thread's environment: the exporter and batch processor read their `OTEL_*` settings from it. */
  env: NodeJS.ProcessEnv;
}

/** Spans held before they are handed to the thread: a hand-off costs one message, whatever its size. */
const handOffSpans = 256;
/** The longest a span waits on this thread before the hand-off (the batch processor then adds its own delay). */
const handOffDelayMs = 20;
/**
 * The batch processor's queue when `OTEL_BSP_MAX_QUEUE_SIZE` is unset (the SDK's default is 2,048):
 * a few seconds of spans at full speed, so a collector's hiccup, or the thread yielding its core
 * to the engine for a moment, drops none.
 */
const defaultMaxQueueSize = 65_536;
/** How long `flush` / `shutdown` wait for the thread's answer before giving up (an exporter retrying a dead collector). */
const answerTimeoutMs = 10_000;

/**
 * The OTLP encoding asked for by `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`:
 * `http/json`, or `http/protobuf`, the specification's default (also a third of the bytes, and
 * cheaper to write). `grpc` is not offered: it is read as the default.
 */
export function otlpProtocol(env: NodeJS.ProcessEnv): "http/protobuf" | "http/json" {
  const asked = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || "").trim().toLowerCase();
  return asked === "http/json" ? "http/json" : "http/protobuf";
}

/**
 * The official batch span processor and OTLP/HTTP exporter (protobuf or JSON, `otlpProtocol`), run
 * on a worker thread.
 *
 * Turning spans into OTLP JSON and posting them was most of what tracing cost the engine (the
 * throughput bench: ~125 µs of a ~520 µs step, nearly all in `BatchSpanProcessor.onEnd` and the
 * export). Here the event loop only appends each span's fields to a flat array (`SpanBatch`) and
 * hands it over in batches; the thread rebuilds each as the SDK's `ReadableSpan` and exports it
 * with the SDK's own processor, so batching, retries and the `OTEL_BSP_*` / `OTEL_EXPORTER_OTLP_*`
 * settings are the SDK's.
 *
 * The thread runs in Linux's idle scheduling class (SCHED_IDLE, set with util-linux's `chrt`; nice
 * 19 where that fails): where the engine and its apps keep every core busy, exporting waits for an
 * idle moment, and a thread of theirs that wakes takes the core back at once. Nice 19 alone was not
 * enough: a woken engine thread still waited out the exporter's time slice, and the loopback
 * ping-pong of a run lost a quarter of its throughput to a nice-19 busy loop (an idle-class one
 * cost a third of that). The queue is deep (`defaultMaxQueueSize`) so that waiting drops nothing;
 * under load that never leaves a core idle, the batch processor drops spans rather than slow the
 * engine.
 *
 * If the thread dies, tracing stops quietly: an observer records, it never takes the engine down.
 */
export class SpanExportThread {
  private readonly worker: Worker;
  private readonly batch = new SpanBatch();
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting = new Map<number, () => void>();
  private asked = 0;
  private stopped = false;

  constructor(opts: SpanExportThreadOptions) {
    const require = createRequire(import.meta.url);
    const modules = {
      sdkTraceBase: require.resolve("@opentelemetry/sdk-trace-base"),
      exporter: require.resolve(
        otlpProtocol(opts.env) === "http/json" ? "@opentelemetry/exporter-trace-otlp-http" : "@opentelemetry/exporter-trace-otlp-proto",
      ),
      resources: require.resolve("@opentelemetry/resources"),
    };
    this.worker = new Worker(workerSource, {
      eval: true,
      env: opts.env,
      workerData: {
        modules,
        url: opts.url,
        resource: { "service.name": opts.serviceName },
        spanFields: SPAN_FIELDS,
        maxQueueSize: opts.env.OTEL_BSP_MAX_QUEUE_SIZE ? undefined : defaultMaxQueueSize,
      },
    });
    // Never what keeps a process alive: `shutdown` is how buffered spans are sent before exit.
    this.worker.unref();
    this.worker.on("message", (m: { answer: number }) => this.answered(m.answer));
    this.worker.on("error", () => this.stop());
    this.worker.on("exit", () => this.stop());
  }

  /** Queue a finished span for export (the fields of `SpanBatch.add`). */
  add(...span: Parameters<SpanBatch["add"]>): void {
    if (this.stopped) return;
    this.batch.add(...span);
    if (this.batch.size >= handOffSpans) this.handOff();
    else this.timer ??= setTimeout(() => this.handOff(), handOffDelayMs).unref();
  }

  /** Export everything queued so far (tests, shutdown). */
  flush(): Promise<void> {
    this.handOff();
    return this.ask("flush");
  }

  /** Export what is queued and stop the thread. */
  async shutdown(): Promise<void> {
    this.handOff();
    await this.ask("shutdown");
    this.stop();
    await this.worker.terminate();
  }

  private handOff(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.size === 0 || this.stopped) return;
    this.worker.postMessage({ spans: this.batch.take() });
  }

  private ask(command: "flush" | "shutdown"): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const id = ++this.asked;
    return new Promise<void>((resolve) => {
      const timeout = setTimeout(() => this.answered(id), answerTimeoutMs).unref();
      this.waiting.set(id, () => {
        clearTimeout(timeout);
        resolve();
      });
      this.worker.postMessage({ command, id });
    });
  }

  private answered(id: number): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.();
  }

  private stop(): void {
    this.stopped = true;
    this.batch.take();
    clearTimeout(this.timer);
    for (const id of [...this.waiting.keys()]) this.answered(id);
  }
}

// Plain JavaScript: it runs as is in the worker (tests run the TypeScript sources, so no built file).
// The SDK's packages are loaded by the paths the main thread resolved, so a packaged install works too.
// A message's spans are in `SpanBatch`'s layout (finished-span.ts).
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { BatchSpanProcessor, RandomIdGenerator } = require(workerData.modules.sdkTraceBase);
const { OTLPTraceExporter } = require(workerData.modules.exporter);
const { resourceFromAttributes } = require(workerData.modules.resources);
try {
  // This thread's own id, from /proc, to lower this thread's priority only (Linux; elsewhere it keeps its priority).
  const tid = String(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop());
  try {
    // SCHED_IDLE: any other thread that wakes takes the core at once (util-linux's chrt; Node has no call for it).
    require("node:child_process").execFileSync("chrt", ["--idle", "-p", "0", tid], { stdio: "ignore", timeout: 2000 });
  } catch {
    require("node:os").setPriority(Number(tid), 19);
  }
} catch {}
const resource = resourceFromAttributes(workerData.resource);
const scope = { name: "weft" };
const ids = new RandomIdGenerator();
const processor = new BatchSpanProcessor(
  new OTLPTraceExporter(workerData.url ? { url: workerData.url } : {}),
  workerData.maxQueueSize ? { maxQueueSize: workerData.maxQueueSize } : {},
);
const hrTime = (ms) => {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
};
// Shared by every span that has no events, links or error: the processor and exporter only read them.
const noEntries = Object.freeze([]);
const unset = Object.freeze({ code: 0 });
const fields = workerData.spanFields;
function exportSpans(f) {
  for (let i = 0; i < f.length; ) {
    const traceId = f[i + 1], parentSpanId = f[i + 3], startMs = f[i + 4], statusMessage = f[i + 6], exceptionType = f[i + 7];
    const endMs = Math.max(startMs, f[i + 5]);
    const context = { traceId, spanId: f[i + 2] || ids.generateSpanId(), traceFlags: 1 };
    let events = noEntries;
    if (exceptionType) {
      const e = { "exception.type": exceptionType, "exception.message": f[i + 8] };
      if (f[i + 9]) e["exception.stacktrace"] = f[i + 9];
      events = [{ name: "exception", time: hrTime(endMs), attributes: e, droppedAttributesCount: 0 }];
    }
    const span = {
      name: f[i],
      kind: 0,
      spanContext: () => context,
      parentSpanContext: parentSpanId ? { traceId, spanId: parentSpanId, traceFlags: 1, isRemote: true } : undefined,
      startTime: hrTime(startMs),
      endTime: hrTime(endMs),
      duration: hrTime(endMs - startMs),
      status: statusMessage ? { code: 2, message: statusMessage } : unset,
      attributes: {},
      links: noEntries,
      events,
      ended: true,
      resource,
      instrumentationScope: scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
    const count = f[i + 10];
    i += fields;
    for (let k = 0; k < count; k++, i += 2) span.attributes[f[i]] = f[i + 1];
    processor.onEnd(span);
  }
}
parentPort.on("message", (m) => {
  if (m.spans) return exportSpans(m.spans);
  const done = () => parentPort.postMessage({ answer: m.id });
  (m.command === "flush" ? processor.forceFlush() : processor.shutdown()).then(done, done);
});
`;
