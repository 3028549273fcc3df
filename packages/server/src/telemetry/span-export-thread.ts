import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { SpanRecord } from "./finished-span.js";

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
 * export). Here the event loop only collects plain span records and hands them over in batches by
 * structured clone; the thread rebuilds each as the SDK's `ReadableSpan` and exports it with the
 * SDK's own processor, so batching, retries and the `OTEL_BSP_*` / `OTEL_EXPORTER_OTLP_*` settings
 * are the SDK's.
 *
 * If the thread dies, tracing stops quietly: an observer records, it never takes the engine down.
 */
export class SpanExportThread {
  private readonly worker: Worker;
  private buffer: SpanRecord[] = [];
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
      workerData: { modules, url: opts.url, resource: { "service.name": opts.serviceName } },
    });
    // Never what keeps a process alive: `shutdown` is how buffered spans are sent before exit.
    this.worker.unref();
    this.worker.on("message", (m: { answer: number }) => this.answered(m.answer));
    this.worker.on("error", () => this.stop());
    this.worker.on("exit", () => this.stop());
  }

  /** Queue a finished span for export. */
  add(span: SpanRecord): void {
    if (this.stopped) return;
    this.buffer.push(span);
    if (this.buffer.length >= handOffSpans) this.handOff();
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
    if (this.buffer.length === 0 || this.stopped) return;
    this.worker.postMessage({ spans: this.buffer });
    this.buffer = [];
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
    this.buffer = [];
    clearTimeout(this.timer);
    for (const id of [...this.waiting.keys()]) this.answered(id);
  }
}

// Plain JavaScript: it runs as is in the worker (tests run the TypeScript sources, so no built file).
// The SDK's packages are loaded by the paths the main thread resolved, so a packaged install works too.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { BatchSpanProcessor } = require(workerData.modules.sdkTraceBase);
const { OTLPTraceExporter } = require(workerData.modules.exporter);
const { resourceFromAttributes } = require(workerData.modules.resources);
const resource = resourceFromAttributes(workerData.resource);
const processor = new BatchSpanProcessor(new OTLPTraceExporter(workerData.url ? { url: workerData.url } : {}));
parentPort.on("message", (m) => {
  if (m.spans) {
    for (const span of m.spans) {
      const context = span.context;
      span.spanContext = () => context;
      span.resource = resource;
      processor.onEnd(span);
    }
    return;
  }
  const done = () => parentPort.postMessage({ answer: m.id });
  (m.command === "flush" ? processor.forceFlush() : processor.shutdown()).then(done, done);
});
`;
