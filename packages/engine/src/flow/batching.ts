import { evaluateCondition, type WeftEvent } from "@weft/core";
import type { FunctionRecord } from "@weft/store";
import type { EngineContext } from "../context.js";
import { enqueueJob, jobId } from "../jobs.js";
import { startRun } from "../run-starter.js";
import { keyValue } from "./flow-keys.js";

const yearMs = 366 * 24 * 3600_000;

interface BatchedEvent {
  internalId: string;
  event: WeftEvent;
}

interface OpenBatch {
  batchId: string;
  events: BatchedEvent[];
}

export interface BatchOptions {
  maxSize: number;
  timeoutMs: number;
  key?: string;
  if?: string;
}

/*
 * `batchEvents`: events of one key collect in a register (compare-and-set, so concurrent workers
 * never lose one) until `maxSize` or `timeout`, then one run starts with all of them. Flushing
 * seals the batch under its own register first, so a crash between taking the events and starting
 * the run loses nothing: the flush job finds the sealed batch and starts it.
 */

/** Whether this event joins a batch (false: the function does not batch, or `if` excludes it). */
export function joinsBatch(options: BatchOptions | undefined, event: WeftEvent): options is BatchOptions {
  if (!options) return false;
  if (!options.if) return true;
  try {
    return evaluateCondition(options.if, { event });
  } catch {
    return false;
  }
}

/** Add an event to its key's open batch (starting one, with its timeout, if there is none). */
export async function addToBatch(ctx: EngineContext, fn: FunctionRecord, options: BatchOptions, item: BatchedEvent): Promise<void> {
  const flow = ctx.flow.store;
  const key = `batch:${fn.id}:${keyValue(options.key, item.event)}`;
  for (let tries = 0; ; tries++) {
    const now = ctx.clock.now();
    const current = await flow.get(key, now);
    const open = current ? (JSON.parse(current.value) as OpenBatch) : undefined;
    if (open?.events.some((e) => e.internalId === item.internalId)) return; // a redelivered event job
    if (tries > 200) throw new Error(`batch ${key} stayed full: its flush has not run`);
    if (open && open.events.length >= options.maxSize) {
      // Full and not flushed yet: flush it now, then start the next batch.
      await enqueueFlush(ctx, fn, key, open.batchId, now);
      await new Promise((r) => setTimeout(r, Math.min(50, 2 ** tries)));
      continue;
    }
    const batch: OpenBatch = open ? { ...open, events: [...open.events, item] } : { batchId: item.internalId, events: [item] };
    const version = await flow.putIf(key, JSON.stringify(batch), now + yearMs, current?.version, now);
    if (version === undefined) continue;
    if (!open) await enqueueFlush(ctx, fn, key, batch.batchId, now + options.timeoutMs);
    if (batch.events.length >= options.maxSize) await enqueueFlush(ctx, fn, key, batch.batchId, now);
    return;
  }
}

async function enqueueFlush(ctx: EngineContext, fn: FunctionRecord, key: string, batchId: string, at: number): Promise<void> {
  await enqueueJob(ctx.stores.queue, {
    id: jobId.batch(key, batchId, at <= ctx.clock.now() ? "full" : "timeout"),
    kind: "batch",
    tenant: fn.appId,
    payload: { functionId: fn.id, key, batchId },
    availableAt: at,
  });
}

/** Start the batch `batchId` of `key` (a timeout or a full batch); a no-op once it has started. */
export async function flushBatch(ctx: EngineContext, functionId: string, key: string, batchId: string): Promise<void> {
  const flow = ctx.flow.store;
  const fn = await ctx.registry.lookup(functionId);
  if (!fn) return;
  const sealedKey = `batch-sealed:${batchId}`;
  for (;;) {
    const now = ctx.clock.now();
    const sealed = await flow.get(sealedKey, now);
    if (sealed) {
      await startBatch(ctx, fn, JSON.parse(sealed.value) as BatchedEvent[]);
      await flow.deleteIf(sealedKey, sealed.version);
      return;
    }
    const current = await flow.get(key, now);
    const open = current ? (JSON.parse(current.value) as OpenBatch) : undefined;
    if (!current || !open || open.batchId !== batchId) return;
    const sealedVersion = await flow.put(sealedKey, JSON.stringify(open.events), now + yearMs);
    if (await flow.deleteIf(key, current.version)) continue; // sealed and taken: start it above
    await flow.deleteIf(sealedKey, sealedVersion); // an event joined meanwhile: seal again
  }
}

async function startBatch(ctx: EngineContext, fn: FunctionRecord, events: BatchedEvent[]): Promise<void> {
  const first = events[0];
  if (!first) return;
  await startRun(
    ctx,
    fn,
    events.map((e) => e.event),
    { eventInternalId: first.internalId },
  );
}
