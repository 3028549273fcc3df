import { eventChainDepth, InvalidInputError, seededUlids, ulid, type WeftEvent } from "@weft/core";
import type { StoredEvent } from "@weft/store";
import type { EngineContext } from "./context.js";
import { enqueueJobs, jobId } from "./jobs.js";
import { checkEventLimits, type Limits } from "./limits.js";
import { parseTraceparent } from "./trace-context.js";

const minTs = Date.UTC(1980, 0, 1);
const maxTs = Date.UTC(2100, 0, 1);
/** Names are matched, indexed and shown in lists: a name is a label, not a payload. */
const maxNameLength = 256;

export interface IngestOptions {
  /** The SDK's `x-inngest-event-id-seed`, so a retried send gets the same ids. */
  seed?: string;
  /** Internal events (`inngest/…`) may only come from the engine itself. */
  internal?: boolean;
  /** Fixed internal ids (engine-emitted events), one per event. */
  ids?: string[];
  /**
   * Engine-emitted events only: an event nothing listens to (no function it triggers, no pause it
   * may match, read now) is kept in history but gets no `event` job, which would find nothing to do.
   */
  skipUnheard?: boolean;
  /** Refuse events over these limits (never applied to internal events). */
  limits?: Limits;
  /**
   * The W3C `traceparent` of the request that sent the events: kept on each event as
   * `data._inngest.traceparent`, so the runs they start join the sender's trace (`trace-context.ts`).
   */
  traceparent?: string;
}

/**
 * Validate and normalise raw events (protocol §2). Throws `InvalidInputError` naming the first bad
 * event, before anything is written: a request is accepted whole or not at all.
 */
export function normaliseEvents(raw: unknown, now: number, opts: IngestOptions = {}): StoredEvent[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new InvalidInputError("no events: send an event object or a non-empty array");
  if (opts.limits && !opts.internal) checkEventLimits(list, opts.limits);
  const seeded = seededUlids(opts.seed);
  return list.map((input, i) => {
    const where = list.length > 1 ? `event ${i}` : "event";
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new InvalidInputError(`${where} must be a JSON object`);
    }
    const e = input as Record<string, unknown>;
    if (typeof e.name !== "string" || e.name.trim() === "") {
      throw new InvalidInputError(`${where} needs a non-empty string "name"`);
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the check rejects event names that contain control characters
    if (e.name.length > maxNameLength || /[\u0000-\u001f\u007f]/.test(e.name)) {
      throw new InvalidInputError(`${where}: "name" must be at most ${maxNameLength} characters, with no control characters`);
    }
    if (!opts.internal && e.name.startsWith("inngest/")) {
      throw new InvalidInputError(`${where}: "${e.name}" is an internal event name and cannot be sent`);
    }
    if (e.data !== undefined && (e.data === null || typeof e.data !== "object" || Array.isArray(e.data))) {
      throw new InvalidInputError(`${where}: "data" must be an object`);
    }
    if (e.user !== undefined && (e.user === null || typeof e.user !== "object" || Array.isArray(e.user))) {
      throw new InvalidInputError(`${where}: "user" must be an object`);
    }
    if (e.id !== undefined && (typeof e.id !== "string" || e.id === "")) {
      throw new InvalidInputError(`${where}: "id" must be a non-empty string`);
    }
    if (e.ts !== undefined && (typeof e.ts !== "number" || !Number.isFinite(e.ts) || e.ts < minTs || e.ts > maxTs)) {
      throw new InvalidInputError(`${where}: "ts" must be epoch milliseconds between 1980 and 2100`);
    }
    const internalId = opts.ids?.[i] ?? seeded?.(i + 1) ?? ulid(now);
    const data = { ...((e.data as Record<string, unknown> | undefined) ?? {}) };
    delete data._inngest_internal;
    if (!opts.internal) {
      // `_inngest` is the server's; of what a sender puts there, only the run chain depth Weft's
      // SDK stamps on the events a run sends is kept (checked against the limit above).
      const depth = eventChainDepth(e);
      const traceparent = parseTraceparent(opts.traceparent) ? opts.traceparent?.trim().toLowerCase() : undefined;
      delete data._inngest;
      if (depth > 0 || traceparent) data._inngest = traceparent ? (depth > 0 ? { depth, traceparent } : { traceparent }) : { depth };
    }
    const event: WeftEvent = {
      id: (e.id as string | undefined) ?? internalId,
      name: e.name,
      data,
      user: (e.user as Record<string, unknown> | undefined) ?? {},
      ts: (e.ts as number | undefined) ?? now,
    };
    if (typeof e.v === "string") event.v = e.v;
    return { internalId, event, receivedAt: now };
  });
}

/**
 * The events something may act on: a function they trigger, or a pause they may match (the `event`
 * job filters the pauses exactly). Most runs' `inngest/function.finished` has neither, and its job
 * was a third of the jobs of a short run.
 */
async function heardOf(ctx: EngineContext, events: StoredEvent[]): Promise<StoredEvent[]> {
  const heard = await Promise.all(
    events.map(async (e) => ctx.registry.triggersFor(e.event).length > 0 || (await ctx.stores.pauses.findPauses(ctx.env, e.event)).length > 0),
  );
  return events.filter((_, i) => heard[i]);
}

/**
 * Accept events: written durably (history + one queue job each) before this resolves, so an
 * acknowledged event is never lost; matching runs and pauses happens in the `event` job.
 */
export async function ingestEvents(ctx: EngineContext, raw: unknown, opts: IngestOptions = {}): Promise<string[]> {
  const now = ctx.clock.now();
  const events = normaliseEvents(raw, now, { limits: ctx.limits, ...opts });
  // Both at once, and the jobs in one write: they share a commit (SQLite), a pipeline (Redis) or one
  // statement (Postgres). The job carries its event, so it needs nothing else to be written first.
  const enqueue = (jobbed: StoredEvent[]) =>
    enqueueJobs(
      ctx.stores.queue,
      jobbed.map((e) => ({ id: jobId.event(e.internalId), kind: "event", tenant: ctx.env, payload: { ...e }, availableAt: now })),
    );
  await Promise.all([ctx.stores.history.saveEvents(events), opts.skipUnheard ? heardOf(ctx, events).then(enqueue) : enqueue(events)]);
  if (!opts.internal) ctx.observer?.eventsReceived(events.length);
  return events.map((e) => e.internalId);
}
