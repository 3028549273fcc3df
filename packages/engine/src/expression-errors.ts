/**
 * Runtime errors of trigger and wait expressions (issue 18): a filter that cannot be evaluated
 * matches nothing, as on Inngest, but never silently. Each function keeps its last error (shown
 * by `GET /v1/functions` and the dashboard) and the log gets one warning per function and
 * expression, not one per event. Kept in this process's memory: a restart or another process
 * starts empty, and the next failing event records it again.
 */
import { checkCondition } from "@weft/core";
import type { EngineContext } from "./context.js";

export interface ExpressionErrorRecord {
  readonly functionId: string;
  /** Where the expression lives: `trigger` (an event trigger's `if`) or `wait` (a waitForEvent or cancelOn match). */
  readonly where: "trigger" | "wait";
  readonly expression: string;
  readonly error: string;
  /** When it last failed (epoch ms) and how often since this process started. */
  readonly at: number;
  readonly count: number;
}

/** Bounded: keys include run ids for waits, which are unbounded. */
const maxEntries = 10_000;
const byContext = new WeakMap<EngineContext, Map<string, ExpressionErrorRecord>>();

function recordsOf(ctx: EngineContext): Map<string, ExpressionErrorRecord> {
  let records = byContext.get(ctx);
  if (!records) {
    records = new Map();
    byContext.set(ctx, records);
  }
  return records;
}

/**
 * Whether `expression` holds for `vars`; an evaluation error counts as no match and is recorded
 * against `owner` (a function id for triggers, a run id for waits).
 */
export function conditionHolds(
  ctx: EngineContext,
  owner: { functionId?: string; runId?: string; where: "trigger" | "wait" },
  expression: string,
  vars: Record<string, unknown>,
): boolean {
  const outcome = checkCondition(expression, vars);
  if (outcome.error !== undefined) record(ctx, owner, expression, outcome.error);
  return outcome.matched;
}

function record(ctx: EngineContext, owner: { functionId?: string; runId?: string; where: "trigger" | "wait" }, expression: string, error: string): void {
  const records = recordsOf(ctx);
  const key = owner.functionId ?? `run:${owner.runId ?? ""}`;
  const previous = records.get(key);
  if (!previous || previous.expression !== expression) {
    ctx.log.warn(`${owner.where} expression ${JSON.stringify(expression)} cannot be evaluated (matches nothing): ${error}`, {
      ...(owner.functionId ? { functionId: owner.functionId } : {}),
      ...(owner.runId ? { runId: owner.runId } : {}),
    });
  }
  if (!previous && records.size >= maxEntries) records.delete(records.keys().next().value as string);
  records.set(key, { functionId: owner.functionId ?? "", where: owner.where, expression, error, at: ctx.clock.now(), count: (previous?.count ?? 0) + 1 });
}

/** The last expression error of a function's trigger, or undefined. */
export function lastExpressionError(ctx: EngineContext, functionId: string): ExpressionErrorRecord | undefined {
  return byContext.get(ctx)?.get(functionId);
}
