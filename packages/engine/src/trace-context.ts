import { createHash } from "node:crypto";
import type { WeftEvent } from "@weft/core";

/**
 * A run's place in a trace, derived from what every process has: its id and its trigger event.
 * A run crosses jobs, processes and restarts, so nothing about its trace lives in memory: the
 * sender's W3C `traceparent` is kept on the trigger event (`data._inngest.traceparent`, stamped at
 * ingest) and the run's root span id is a hash of the run id. Every process thus parents a run's
 * spans the same way, and the root span, written when the run ends, has the id they point to.
 */
export interface RunTraceContext {
  /** 32 hex digits: the sender's trace, or one derived from the run id. */
  traceId: string;
  /** 16 hex digits: the run's root span. */
  rootSpanId: string;
  /** The sender's span (the root span's parent), when the event came with a `traceparent`. */
  parentSpanId: string | undefined;
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const zeroTrace = "0".repeat(32);
const zeroSpan = "0".repeat(16);

/** The trace and parent span ids of a W3C `traceparent` (version 00), or undefined when it is not one. */
export function parseTraceparent(value: unknown): { traceId: string; spanId: string } | undefined {
  if (typeof value !== "string") return undefined;
  const m = traceparentPattern.exec(value.trim().toLowerCase());
  if (!m || m[1] === zeroTrace || m[2] === zeroSpan) return undefined;
  return { traceId: m[1] as string, spanId: m[2] as string };
}

export function formatTraceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

/** The `traceparent` an event was sent with, as ingest stamped it. */
export function eventTraceparent(event: WeftEvent | undefined): string | undefined {
  const meta = (event?.data as { _inngest?: { traceparent?: unknown } } | undefined)?._inngest;
  return typeof meta?.traceparent === "string" ? meta.traceparent : undefined;
}

/** `bytes` hex digits of a hash of `text`: ids that every process derives alike. */
function derivedHex(text: string, digits: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, digits);
}

/** A run's trace context (see `RunTraceContext`) from its id and trigger event. */
export function runTraceContext(runId: string, trigger: WeftEvent | undefined): RunTraceContext {
  const sender = parseTraceparent(eventTraceparent(trigger));
  return {
    traceId: sender?.traceId ?? derivedHex(`weft-trace:${runId}`, 32),
    rootSpanId: derivedHex(`weft-run:${runId}`, 16),
    parentSpanId: sender?.spanId,
  };
}

/**
 * The trace id of a run, for log lines about it (`traceId` field): the same id its spans carry in
 * the OTLP export and in `GET /v1/runs/:id/trace`.
 */
export function traceIdOf(runId: string, trigger: WeftEvent | undefined): string {
  return runTraceContext(runId, trigger).traceId;
}
