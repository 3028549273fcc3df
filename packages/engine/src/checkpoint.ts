import { isWeftError, RunNotFoundError, StateConflictError, type OutgoingOp, type SerializedError } from "@weft/core";
import type { RunMetadata } from "@weft/store";
import type { EngineContext } from "./context.js";
import { finalizeRun } from "./finalize.js";
import { runStateBytes, runStateError, stepCountError, stepName, stepOutputError } from "./limits.js";
import { refuseDuplicateResults } from "./op-validation.js";
import { recordTimeline } from "./timeline.js";

export type CheckpointResult = "saved" | "run-not-found" | "run-ended";

/**
 * Steps and state bytes of runs that checkpoint through this engine, so the run limits are
 * checked without loading the whole run at every step. Counted from the store at a run's first
 * checkpoint here; steps other processes save meanwhile are not counted until the next call,
 * where the executor checks the limits against the stored state. Bounded: past `maxRuns` it
 * starts over, and a run is simply counted from the store again.
 */
export class CheckpointedRuns {
  private readonly runs = new Map<string, { steps: number; bytes: number }>();

  constructor(private readonly maxRuns = 10_000) {}

  async of(ctx: EngineContext, runId: string): Promise<{ steps: number; bytes: number } | undefined> {
    let known = this.runs.get(runId);
    if (known === undefined) {
      const state = await ctx.stores.state.loadRun(runId);
      if (!state) return undefined;
      if (this.runs.size >= this.maxRuns) this.runs.clear();
      known = { steps: state.stack.length + state.pending.size, bytes: runStateBytes(state) };
      this.runs.set(runId, known);
    }
    return known;
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }
}

/**
 * Async checkpointing (protocol §11): the SDK runs steps in-process within one call and posts
 * each result here as it goes. Results are saved write-once like any other; a repeat of the same
 * result is fine, a different one is refused by the store and logged. An ended run answers
 * `run-ended`, which the SDK takes as "stop" (409); so does a step over a limit, or two results
 * for one step, which fail the run exactly as they would in a call's response. `attempt` is the
 * call's (Weft's SDK sends it): 0, as only a first attempt's call is offered checkpointing
 * (request-body.ts), so every step a call checkpoints counts its own retries from 0.
 *
 * The run's status is read alongside the first save rather than before it, so a checkpoint is one
 * round trip (one commit on SQLite), not two in a row. The price: a step that finished after its
 * run was cancelled is recorded (it did run) before the SDK is told to stop; a status read first
 * had the same outcome whenever the cancel landed between the read and the save.
 */
export async function checkpointSteps(ctx: EngineContext, runId: string, ops: OutgoingOp[], attempt = 0): Promise<CheckpointResult> {
  // The run's metadata while it runs, else why the checkpoint stops. Awaited on every path that
  // goes on; a path that returns early has nothing to report its failure to.
  const running = ctx.stores.state
    .loadMetadata(runId)
    .then((meta): RunMetadata | CheckpointResult => (!meta ? "run-not-found" : meta.status === "Running" ? meta : "run-ended"));
  running.catch(() => {});
  const now = ctx.clock.now();
  // Checked before anything is saved, as the executor checks a response (op-validation.ts).
  const refused = refuseDuplicateResults(ops);
  if (refused) {
    const meta = await running;
    if (typeof meta === "string") return meta;
    await failOnOp(ctx, meta, refused.op, attempt, now, refused.error);
    return "run-ended";
  }
  for (const op of ops) {
    if (op.op !== "StepRun" && op.op !== "StepFailed") continue;
    const value = JSON.stringify(op.op === "StepRun" ? { data: op.data ?? null } : { error: op.error ?? op.data });
    const bytes = Buffer.byteLength(value);
    const known = await ctx.checkpointed.of(ctx, runId);
    if (!known) return "run-not-found";
    const over =
      stepOutputError(op, bytes, ctx.limits) ?? stepCountError(runId, known.steps + 1, ctx.limits) ?? runStateError(runId, op, known.bytes + bytes, ctx.limits);
    if (over) {
      const meta = await running;
      if (typeof meta === "string") return meta;
      await failOnOp(ctx, meta, op, attempt, now, over);
      return "run-ended";
    }
    const timing = (op as { timing?: { start?: number; end?: number } }).timing;
    const line = (output: string, failed: boolean) =>
      recordTimeline(ctx, {
        runId,
        stepId: op.id,
        attempt,
        name: stepName(op),
        op: op.op,
        status: failed ? "Failed" : "Completed",
        startedAt: typeof timing?.start === "number" ? timing.start : now,
        endedAt: typeof timing?.end === "number" ? timing.end : now,
        output,
      });
    // The result, its timeline line and the status at once: one commit on SQLite, and a checkpoint
    // sits on the path of every step. A result refused because another was recorded first gets
    // its line written again with the one that stands.
    const [saved, meta] = await Promise.all([saveCheckpointed(ctx, runId, op.id, value), running, line(value, op.op === "StepFailed")]);
    if (typeof meta === "string") return meta;
    if (saved === "not-found") return "run-not-found";
    if (saved === "saved") {
      known.steps += 1;
      known.bytes += bytes;
    } else if (saved === "conflict") {
      ctx.log.warn("checkpointed step differs from its recorded result; the first stands", { runId, stepId: op.id });
      const stands = (await ctx.stores.state.loadRun(runId))?.steps.get(op.id);
      if (stands !== undefined) await line(stands, (JSON.parse(stands) as { error?: unknown }).error !== undefined);
    }
  }
  const meta = await running;
  return typeof meta === "string" ? meta : "saved";
}

async function saveCheckpointed(ctx: EngineContext, runId: string, stepId: string, value: string): Promise<"saved" | "idempotent" | "conflict" | "not-found"> {
  try {
    const savingAt = ctx.observer ? ctx.clock.now() : 0;
    const saved = await ctx.stores.state.saveStep(runId, stepId, value);
    ctx.observer?.stepSaved(runId, stepId, savingAt, ctx.clock.now());
    return saved.status;
  } catch (e) {
    if (isWeftError(e, RunNotFoundError)) return "not-found";
    if (!isWeftError(e, StateConflictError)) throw e;
    return "conflict";
  }
}

/** Fail the run on one of a checkpoint's ops (over a limit, or bad), with a timeline line saying why. */
async function failOnOp(ctx: EngineContext, meta: RunMetadata, op: OutgoingOp, attempt: number, now: number, error: SerializedError): Promise<void> {
  ctx.log.warn(`run failed: ${error.name}: ${error.message}`, { runId: meta.runId, functionId: meta.functionId, stepId: op.id });
  const output = JSON.stringify({ error });
  await recordTimeline(ctx, {
    runId: meta.runId,
    stepId: op.id,
    attempt,
    name: stepName(op),
    op: "StepRun",
    status: "Failed",
    startedAt: now,
    endedAt: now,
    output,
  });
  const state = await ctx.stores.state.loadRun(meta.runId);
  if (state) await finalizeRun(ctx, meta, state.events, { status: "Failed", error });
  ctx.checkpointed.forget(meta.runId);
}
