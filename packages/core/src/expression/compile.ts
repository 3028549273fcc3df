/**
 * The entry points for evaluation. Expressions are parsed once and cached by source text: the same
 * trigger and pause expressions are evaluated for every incoming event.
 */
import type { Expr } from "./ast.js";
import { evaluate } from "./evaluator.js";
import { toJs } from "./js-values.js";
import { LruCache } from "./lru.js";
import { parse } from "./parser.js";
import { MISSING } from "./values.js";

export interface CompiledExpression {
  readonly source: string;
  /**
   * The value of the expression as plain JS (see toJs: ints are numbers, timestamps ISO strings);
   * `undefined` when it is a missing field. Throws an error named "EvaluationError" on runtime
   * errors (type mismatch, unknown function, bad index, overflow).
   */
  evaluate(vars: Record<string, unknown>): unknown;
}

class Compiled implements CompiledExpression {
  constructor(
    readonly source: string,
    readonly ast: Expr,
  ) {}

  evaluate(vars: Record<string, unknown>): unknown {
    const v = evaluate(this.ast, vars);
    return v === MISSING ? undefined : toJs(v);
  }
}

/** Bounded so that many distinct expressions (each pause freezes its own) cannot grow memory without limit. */
const cache = new LruCache<Compiled>(1000);

/** Parses `source` (or takes it from the cache); throws InvalidInputError on a syntax error. */
export function compileExpression(source: string): CompiledExpression {
  return compiled(source);
}

/** The parsed tree of `source`, shared through the cache; callers must not change it. */
export function astOf(source: string): Expr {
  return compiled(source).ast;
}

/** The outcome of a condition: matched only for exactly `true`; `error` when evaluation failed. */
export interface ConditionOutcome {
  readonly matched: boolean;
  readonly error?: string;
}

/**
 * Whether `source` holds for `vars`, and the runtime error when it could not be evaluated (which
 * counts as no match, as in Inngest). A syntax error still throws, since it is the caller's to report.
 */
export function checkCondition(source: string, vars: Record<string, unknown>): ConditionOutcome {
  const expr = compiled(source);
  try {
    return { matched: evaluate(expr.ast, vars) === true };
  } catch (err) {
    return { matched: false, error: (err as Error).message };
  }
}

/** `checkCondition` without the error, for callers that only need the answer. */
export function evaluateCondition(source: string, vars: Record<string, unknown>): boolean {
  const expr = compiled(source);
  try {
    return evaluate(expr.ast, vars) === true;
  } catch {
    return false;
  }
}

function compiled(source: string): Compiled {
  // A syntax error throws out of getOrMake, so nothing is cached for it.
  return cache.getOrMake(source, () => new Compiled(source, parse(source)));
}
