import { internalEvents, type WeftEvent } from "@weft/core";
import type { RunMetadata } from "@weft/store";
import { limitError, overLimit, runChainDepth, type Limits } from "./limits.js";

/** The fields a lifecycle event carries that can be large, tried largest first when trimming. */
const trimmable = ["event", "events", "result", "error"] as const;
type Trimmable = (typeof trimmable)[number];

/**
 * The `data` of a run's `inngest/function.finished` (and `.failed` / `.cancelled`), within the
 * event size limit like any event. Inngest's shape (`function_id`, `run_id`, `event`, `events`,
 * `result` or `error`, `correlation_id`, `_inngest.status`), with `events` left out when it would
 * only repeat `event` (a run of one event: each generation of a chain would double otherwise).
 * When the whole is still over the limit, the largest of `event`, `events`, `result` and `error`
 * is replaced, one at a time, until it fits:
 *
 * - `event` by its envelope (`id`, `name`, `ts`, empty `data`); `events` by `[]`;
 * - `result` by `{trimmed: true, bytes, reason}`, or, for an invoked run, by a `LimitExceeded`
 *   error, so the invoking step fails saying why instead of taking a marker for the result;
 * - `error` by one of the same name whose message says it was trimmed.
 *
 * `_inngest.trimmed` then maps each replaced field to its size in bytes.
 */
export function lifecycleEventData(
  meta: RunMetadata,
  events: readonly WeftEvent[],
  output: string | undefined,
  endedAt: number,
  limits: Limits,
): Record<string, unknown> {
  const parsed = output ? (JSON.parse(output) as { data?: unknown; error?: unknown }) : {};
  const internal: Record<string, unknown> = { status: meta.status, depth: runChainDepth(events) + 1 };
  const data: Record<string, unknown> = {
    function_id: meta.functionId,
    run_id: meta.runId,
    event: events[0],
    ...(events.length > 1 ? { events } : {}),
    ...(meta.status === "Completed" ? { result: parsed.data ?? null } : { error: parsed.error }),
    ...(meta.correlationId ? { correlation_id: meta.correlationId } : {}),
    _inngest: internal,
  };
  // The largest of the events a run's end emits, as stored: what the limit is held to.
  const size = () => bytesOf({ id: `${meta.runId}:cancelled`, name: internalEvents.functionCancelled, data, user: {}, ts: endedAt });
  if (size() <= limits.maxEventBytes) return data;
  const reason = overLimit("maxEventBytes", limits);
  const trimmed: Partial<Record<Trimmable, number>> = {};
  internal.trimmed = trimmed;
  while (size() > limits.maxEventBytes) {
    const next = largest(data, trimmed);
    if (!next) break;
    trimmed[next.field] = next.bytes;
    replace(data, next.field, next.bytes, reason, meta);
  }
  return data;
}

function largest(data: Record<string, unknown>, done: Partial<Record<Trimmable, number>>): { field: Trimmable; bytes: number } | undefined {
  let best: { field: Trimmable; bytes: number } | undefined;
  for (const field of trimmable) {
    if (!(field in data) || done[field] !== undefined) continue;
    const bytes = bytesOf(data[field]);
    if (!best || bytes > best.bytes) best = { field, bytes };
  }
  return best;
}

function replace(data: Record<string, unknown>, field: Trimmable, bytes: number, reason: string, meta: RunMetadata): void {
  switch (field) {
    case "event": {
      const e = data.event as WeftEvent;
      data.event = { id: e.id, name: e.name, data: {}, user: {}, ts: e.ts };
      return;
    }
    case "events":
      data.events = [];
      return;
    case "result":
      if (meta.correlationId) {
        delete data.result;
        data.error = limitError(`the result of function ${meta.functionId} (run ${meta.runId}) is ${bytes} bytes, ${reason}`);
      } else {
        data.result = { trimmed: true, bytes, reason };
      }
      return;
    case "error": {
      const name = (data.error as { name?: unknown } | undefined)?.name;
      data.error = { name: typeof name === "string" ? name.slice(0, 200) : "Error", message: `error of ${bytes} bytes trimmed: ${reason}` };
      return;
    }
  }
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}
