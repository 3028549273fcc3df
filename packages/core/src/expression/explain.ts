/**
 * Explains why an event does or does not match a filter, so a user can debug a trigger that never
 * fires: the verdict, and for a miss the terms of the `&&`/`||`/`!` structure that decided it
 * (false or failing), each with the values of its operands.
 */
import type { Expr } from "./ast.js";
import { astOf } from "./compile.js";
import { evaluate } from "./evaluator.js";
import { toJs } from "./js-values.js";
import { print } from "./printer.js";
import { MISSING } from "./values.js";

export interface ExplainedTerm {
  /** The sub-expression, printed. */
  readonly expression: string;
  /** Its value as JSON-safe JS; absent when it errored or is a missing field. */
  readonly value?: unknown;
  readonly missing?: true;
  readonly error?: string;
  /** For a comparison or call: the value of each operand, printed expression first. */
  readonly operands?: readonly ExplainedTerm[];
}

export interface Explanation {
  readonly expression: string;
  readonly matched: boolean;
  /** The whole expression's value (or error). */
  readonly result: ExplainedTerm;
  /** For a miss: the terms that were false or errored, innermost first where `&&`/`||` nest. */
  readonly reasons: readonly ExplainedTerm[];
}

/** Throws InvalidInputError for an expression that does not parse (with the offset of the problem). */
export function explainExpression(source: string, vars: Record<string, unknown>): Explanation {
  const root = astOf(source);
  const result = term(root, vars);
  const matched = result.value === true;
  return { expression: source, matched, result, reasons: matched ? [] : reasons(root, vars, true) };
}

function term(e: Expr, vars: Record<string, unknown>, withOperands = true): ExplainedTerm {
  const expression = print(e);
  const operands = withOperands ? operandTerms(e, vars) : undefined;
  try {
    const v = evaluate(e, vars);
    if (v === MISSING) return { expression, missing: true, ...(operands ? { operands } : {}) };
    return { expression, value: toJs(v), ...(operands ? { operands } : {}) };
  } catch (err) {
    return { expression, error: (err as Error).message, ...(operands ? { operands } : {}) };
  }
}

/** The operands worth showing: both sides of a comparison or arithmetic, a call's receiver and arguments. */
function operandTerms(e: Expr, vars: Record<string, unknown>): ExplainedTerm[] | undefined {
  if (e.kind === "binary" && e.op !== "&&" && e.op !== "||") return [term(e.left, vars, false), term(e.right, vars, false)];
  if (e.kind === "call" && (e.args.length > 0 || e.target)) return [...(e.target ? [e.target] : []), ...e.args].map((a) => term(a, vars, false));
  return undefined;
}

/**
 * The terms that made `e` come out other than `want`: the sides of `&&`/`||` that were not `want`
 * (a false side is why an `&&` is false; every side is why an `||` is), the operand of `!` (wanted
 * the other way) and the branch `?:` took; anything else is a leaf and is its own reason.
 */
function reasons(e: Expr, vars: Record<string, unknown>, want: boolean): ExplainedTerm[] {
  if (e.kind === "binary" && (e.op === "&&" || e.op === "||")) {
    const sides = [e.left, e.right].filter((side) => term(side, vars, false).value !== want);
    return sides.flatMap((side) => reasons(side, vars, want));
  }
  if (e.kind === "unary" && e.op === "!") return reasons(e.operand, vars, !want);
  if (e.kind === "conditional") {
    const test = term(e.test, vars, false);
    if (typeof test.value !== "boolean") return [term(e.test, vars)];
    return reasons(test.value ? e.then : e.otherwise, vars, want);
  }
  return [term(e, vars)];
}
