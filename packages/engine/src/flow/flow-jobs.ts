import type { EngineContext } from "../context.js";
import type { Job } from "../jobs.js";
import { startRun } from "../run-starter.js";

/** A debounce timer is due: start the function with the key's latest event, unless a newer one took over. */
export async function fireDebounce(ctx: EngineContext, item: Job<"debounce">): Promise<void> {
  const { functionId, key, version } = item.payload;
  const fn = await ctx.registry.lookup(functionId);
  if (!fn) return;
  const latest = await ctx.flow.takeDebounced(key, version);
  if (latest) await startRun(ctx, fn, [latest.event], { eventInternalId: latest.internalId });
}

/** `timeouts.finish`: a run still going at its deadline is cancelled. */
export async function expireRun(ctx: EngineContext, item: Job<"run-timeout">): Promise<void> {
  if (item.runId) await ctx.cancelRun(item.runId, "timed out: the run did not finish within timeouts.finish");
}
