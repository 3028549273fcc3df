import { compileExpression, type WeftEvent } from "@weft/core";

/**
 * The value of a key expression for an event, as text: the same event always gives the same key.
 * An expression that cannot be evaluated gives the empty key, so the limit still applies (to one
 * shared bucket) instead of being skipped.
 */
export function keyValue(expression: string | undefined, event: WeftEvent): string {
  if (!expression) return "";
  try {
    const value = compileExpression(expression).evaluate({ event });
    return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  } catch {
    return "";
  }
}

/** A numeric expression (priority), clamped to ±`bound`; 0 when it cannot be evaluated. */
export function numericValue(expression: string | undefined, event: WeftEvent, bound: number): number {
  if (!expression) return 0;
  try {
    const value = Number(compileExpression(expression).evaluate({ event }));
    return Number.isFinite(value) ? Math.max(-bound, Math.min(bound, value)) : 0;
  } catch {
    return 0;
  }
}
