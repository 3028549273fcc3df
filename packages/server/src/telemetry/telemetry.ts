import { combineObservers, type EngineObserver } from "@weft/engine";
import type { Stores } from "@weft/store";
import { RunTracer } from "./run-tracer.js";
import { timedStores } from "./timed-stores.js";
import { WeftMetrics } from "./weft-metrics.js";

export interface TelemetryOptions {
  stores: Stores;
  /** OTLP/HTTP endpoint (`--otel-endpoint`). Tracing is also on when `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` is set. */
  otelEndpoint?: string;
  /** Prometheus metrics at `GET /metrics` (default on; `--no-metrics` turns them off). */
  metrics: boolean;
  now: () => number;
  env?: NodeJS.ProcessEnv;
}

/** What the server wires in: the engine's observer, the stores (timed when metrics are on), the pieces. */
export interface Telemetry {
  observer: EngineObserver | undefined;
  stores: Stores;
  metrics: WeftMetrics | undefined;
  tracer: RunTracer | undefined;
  /** Flush and stop the exporter. */
  close(): Promise<void>;
}

/** Whether the standard `OTEL_*` variables ask for traces. */
export function tracingFromEnv(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Traces and metrics, off or on as configured. Off, nothing is built: the engine gets no observer
 * (each hook is skipped at the call site) and the stores are the stores.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const env = opts.env ?? process.env;
  const metrics = opts.metrics ? new WeftMetrics(opts.stores.queue, opts.now, opts.stores.pauses) : undefined;
  const stores = metrics ? timedStores(opts.stores, metrics.storeCallDuration) : opts.stores;
  const tracer = opts.otelEndpoint || tracingFromEnv(env) ? new RunTracer({ endpoint: opts.otelEndpoint, state: opts.stores.state, env }) : undefined;
  return {
    observer: combineObservers(tracer, metrics),
    stores,
    metrics,
    tracer,
    close: async () => {
      await tracer?.shutdown();
    },
  };
}
