import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext, type SpanStatus } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";

const scope = { name: "weft" };
const unset: SpanStatus = { code: SpanStatusCode.UNSET };

/** Engine-clock milliseconds as OTel's [seconds, nanoseconds]. */
export function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

export interface FinishedSpanFields {
  name: string;
  traceId: string;
  spanId: string;
  /** The parent (the run's root span, or the sender's span for a root), or none. */
  parent: SpanContext | undefined;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  status?: SpanStatus;
  events?: TimedEvent[];
}

/**
 * A finished span as plain data: the SDK's export interface (`ReadableSpan`) without its two
 * non-data members, the `spanContext()` function (here the `context` field) and the resource (one
 * per exporter). Plain data crosses to the export thread by structured clone (`span-export-thread.ts`),
 * which adds those two back.
 */
export type SpanRecord = Omit<ReadableSpan, "spanContext" | "resource"> & { context: SpanContext };

/**
 * A span whose work is already over, as the span processor and OTLP exporter read it (less what
 * `SpanRecord` leaves out). Weft learns of each piece of work when it has ended, with its recorded
 * start and end, so it writes the finished record directly: no live span, no context lookup, no
 * sampler call (the run was sampled once, `traceSampled`), no per-span attribute copy. The batch
 * processor and exporter are the SDK's own.
 */
export function spanRecord(f: FinishedSpanFields): SpanRecord {
  const startTime = hrTime(f.startMs);
  const endTime = hrTime(Math.max(f.startMs, f.endMs));
  return {
    name: f.name,
    kind: SpanKind.INTERNAL,
    context: { traceId: f.traceId, spanId: f.spanId, traceFlags: TraceFlags.SAMPLED },
    parentSpanContext: f.parent,
    startTime,
    endTime,
    duration: hrTime(Math.max(0, f.endMs - f.startMs)),
    status: f.status ?? unset,
    attributes: f.attributes,
    links: [],
    events: f.events ?? [],
    ended: true,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** The ERROR status and `exception` event (OTel's semantic conventions) of an error. */
export function failure(error: unknown, atMs: number): { status: SpanStatus; events: TimedEvent[] } {
  const e = (error && typeof error === "object" ? error : { message: String(error) }) as { name?: unknown; message?: unknown; stack?: unknown };
  const name = typeof e.name === "string" ? e.name : "Error";
  const message = typeof e.message === "string" ? e.message : JSON.stringify(error);
  const attributes: Attributes = { "exception.type": name, "exception.message": message };
  if (typeof e.stack === "string") attributes["exception.stacktrace"] = e.stack;
  return {
    status: { code: SpanStatusCode.ERROR, message: `${name}: ${message}` },
    events: [{ name: "exception", time: hrTime(atMs), attributes, droppedAttributesCount: 0 }],
  };
}
