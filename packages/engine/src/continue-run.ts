import { isWeftError, RunNotFoundError, StateConflictError } from "@weft/core";
import type { QueueItem } from "@weft/store";
import type { EngineContext } from "./context.js";

/**
 * Save a result for a step that finished outside a call (a sleep, a wait, an invoke, a planned
 * step) and queue the next discovery. Every completion rediscovers, even with siblings pending, so
 * `Promise.race` moves on at the first finisher; the pending siblings keep immediate execution off.
 * The save is write-once: of an event and a timeout racing for one wait, exactly one is saved; the
 * loser answers false.
 */
export async function saveAndContinue(
  ctx: EngineContext,
  runId: string,
  tenant: string,
  stepId: string,
  value: string,
): Promise<boolean> {
  let saved: Awaited<ReturnType<typeof ctx.stores.state.saveStep>>;
  try {
    saved = await ctx.stores.state.saveStep(runId, stepId, value);
  } catch (e) {
    if (isWeftError(e, StateConflictError) || isWeftError(e, RunNotFoundError)) return false;
    throw e;
  }
  // Also on an idempotent save: a worker that died after saving never queued the discovery.
  await enqueueDiscovery(ctx, runId, tenant, saved.stackLength);
  return saved.status === "saved";
}

/** A discovery's job id names the stack length it was queued at, so duplicates collapse in the queue. */
export function discoveryId(runId: string, stackLength: number): string {
  return `${runId}:d:${stackLength}`;
}

/** The stack length a discovery job was queued at (read back from its id). */
export function discoveryStackLength(item: QueueItem): number | undefined {
  const match = item.kind === "discover" ? /:d:(\d+)$/.exec(item.id) : null;
  return match ? Number(match[1]) : undefined;
}

/** Queue a discovery of the run at this stack length (see `discoveryId`). */
export async function enqueueDiscovery(
  ctx: EngineContext,
  runId: string,
  tenant: string,
  stackLength: number,
): Promise<void> {
  await ctx.stores.queue.enqueue({
    id: discoveryId(runId, stackLength),
    kind: "discover",
    runId,
    tenant,
    payload: {},
    availableAt: ctx.clock.now(),
    attempt: 0,
  });
}
