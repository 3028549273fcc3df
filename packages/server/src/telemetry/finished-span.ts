/** A span's attributes: Weft's are all strings and numbers. */
export type SpanAttributes = Record<string, string | number>;

/** How a span failed: OTel's ERROR status, and an `exception` event (semantic conventions) when there is an error to describe. */
export interface SpanFailure {
  statusMessage: string;
  exception?: { type: string; message: string; stack: string };
}

/**
 * Finished spans as flat data: every field of every span, one after another, in one array of
 * strings and numbers. Weft learns of each piece of work when it has ended, with its recorded start
 * and end, so a span is written once, finished (no live span, no context lookup, no sampler call:
 * the run was sampled once). A flat array of primitives is what crosses to the export thread
 * (`span-export-thread.ts`) cheapest: its structured clone cost a fifth of a batch of span objects'
 * (0.5 vs 2.4 µs a span), and building it allocates nothing per span. The export thread rebuilds
 * each span as the SDK's `ReadableSpan`.
 *
 * The layout of one span (`SPAN_FIELDS` fixed fields, then its attributes):
 *   name, traceId, spanId, parentSpanId, startMs, endMs,
 *   statusMessage, exceptionType, exceptionMessage, exceptionStack,
 *   attributeCount, then attributeCount × (key, value)
 * - spanId "": the export thread gives it one (a span no one else names).
 * - parentSpanId "": a root span with no parent; any other parent is remote (the run's root span is
 *   written by whichever process ends the run; the sender's span is the sender's).
 * - statusMessage "": status UNSET; otherwise ERROR with that message.
 * - exceptionType "": no `exception` event; otherwise one at endMs (exceptionStack "" when none).
 * - startMs / endMs: engine-clock milliseconds.
 */
export const SPAN_FIELDS = 11;

export class SpanBatch {
  private fields: (string | number)[] = [];
  private spans = 0;

  get size(): number {
    return this.spans;
  }

  add(
    name: string,
    traceId: string,
    spanId: string,
    parentSpanId: string,
    startMs: number,
    endMs: number,
    attributes: SpanAttributes,
    failed?: SpanFailure,
  ): void {
    const f = this.fields;
    const e = failed?.exception;
    f.push(name, traceId, spanId, parentSpanId, startMs, endMs, failed?.statusMessage ?? "", e?.type ?? "", e?.message ?? "", e?.stack ?? "");
    const countAt = f.length;
    f.push(0);
    let count = 0;
    for (const key in attributes) {
      f.push(key, attributes[key] as string | number);
      count++;
    }
    f[countAt] = count;
    this.spans++;
  }

  /** The fields gathered so far, leaving the batch empty. */
  take(): (string | number)[] {
    const taken = this.fields;
    this.fields = [];
    this.spans = 0;
    return taken;
  }
}

/** The failure (ERROR status and `exception` event) of an error. */
export function failure(error: unknown): SpanFailure {
  const e = (error && typeof error === "object" ? error : { message: String(error) }) as { name?: unknown; message?: unknown; stack?: unknown };
  const type = typeof e.name === "string" ? e.name : "Error";
  const message = typeof e.message === "string" ? e.message : JSON.stringify(error);
  const stack = typeof e.stack === "string" ? e.stack : "";
  return { statusMessage: `${type}: ${message}`, exception: { type, message, stack } };
}
