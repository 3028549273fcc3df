import { isWeftError, StateConflictError, type OutgoingOp } from "@weft/core";
import type { EngineContext } from "./context.js";
import { finalizeRun } from "./finalize.js";
import { limitError, overLimit } from "./limits.js";
import { recordTimeline } from "./timeline.js";

export type CheckpointResult = "saved" | "run-not-found" | "run-ended";

/**
 * v4 async checkpointing (protocol §11): the SDK runs steps in-process within one call and posts
 * each result here as it goes. Results are saved write-once like any other; a repeat of the same
 * result is fine, a different one is refused by the store and logged. An ended run answers
 * `run-ended`, which the SDK takes as "stop" (409).
 */
export async function checkpointSteps(ctx: EngineContext, runId: string, ops: OutgoingOp[]): Promise<CheckpointResult> {
  const meta = await ctx.stores.state.loadMetadata(runId);
  if (!meta) return "run-not-found";
  if (meta.status !== "Running") return "run-ended";
  const now = ctx.clock.now();
  for (const op of ops) {
    if (op.op !== "StepRun" && op.op !== "StepFailed") continue;
    const value = JSON.stringify(op.op === "StepRun" ? { data: op.data ?? null } : { error: op.error ?? op.data });
    const bytes = Buffer.byteLength(value);
    if (bytes > ctx.limits.maxStepOutputBytes) {
      // Fail the run; the SDK reads "run-ended" (409) as "stop".
      const state = await ctx.stores.state.loadRun(runId);
      const error = limitError(`step "${op.displayName ?? op.name ?? op.id}" returned ${bytes} bytes, ${overLimit("maxStepOutputBytes", ctx.limits)}`);
      if (state) await finalizeRun(ctx, meta, state.events, { status: "Failed", error });
      return "run-ended";
    }
    try {
      const saved = await ctx.stores.state.saveStep(runId, op.id, value);
      if (saved.status === "idempotent") continue;
    } catch (e) {
      if (!isWeftError(e, StateConflictError)) throw e;
      ctx.log.warn("checkpointed step differs from its recorded result; the first stands", { runId, step: op.id });
      continue;
    }
    const timing = (op as { timing?: { start?: number; end?: number } }).timing;
    await recordTimeline(ctx, {
      runId,
      stepId: op.id,
      attempt: 0,
      name: op.displayName ?? op.userland?.id ?? op.name ?? op.id,
      op: op.op,
      status: op.op === "StepRun" ? "Completed" : "Failed",
      startedAt: typeof timing?.start === "number" ? timing.start : now,
      endedAt: typeof timing?.end === "number" ? timing.end : now,
      output: value,
    });
  }
  return "saved";
}
