/**
 * Checks an expression before any event reaches it, so that sync can refuse a function whose filter
 * could never work instead of letting it fail (or silently never match) at run time.
 */
import { InvalidInputError } from "../errors.js";
import { children, type Expr } from "./ast.js";
import { astOf } from "./compile.js";
import { builtinProblem } from "./functions.js";
import { expressionMessage } from "./lexer.js";
import { MACROS } from "./parser.js";
import { regexProblem } from "./regex.js";

/**
 * What is wrong with the CEL expression `source`, or undefined when nothing is: a syntax error
 * (with its offset), a function that does not exist in that call form, or a literal pattern given
 * to `matches()` that is not valid RE2. Problems that depend on the data (a pattern read from an
 * event field, a type mismatch) can only show at evaluation.
 */
export function expressionProblem(source: string): string | undefined {
  let root: Expr;
  try {
    root = astOf(source);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.message;
    throw err;
  }
  // Iterative: the tree may be as deep as the parser allows.
  const stack: Expr[] = [root];
  for (let e = stack.pop(); e; e = stack.pop()) {
    stack.push(...children(e));
    const problem = e.kind === "call" ? callProblem(e) : undefined;
    if (problem) return expressionMessage(source, problem);
  }
  return undefined;
}

function callProblem(e: Extract<Expr, { kind: "call" }>): string | undefined {
  const isMethod = e.target !== undefined;
  // has(a.b) and the comprehensions are macros, and the parser has checked their form.
  if (e.fn === "has" && !isMethod) return undefined;
  if (isMethod && MACROS[e.fn]?.includes(e.args.length)) return undefined;
  const problem = builtinProblem(e.fn, isMethod, e.args.length + (isMethod ? 1 : 0));
  if (problem) return problem;
  const pattern = e.fn === "matches" ? e.args[isMethod ? 0 : 1] : undefined;
  if (pattern?.kind === "literal" && typeof pattern.value === "string") {
    const bad = regexProblem(pattern.value);
    if (bad) return `invalid regular expression ${JSON.stringify(pattern.value)} in matches(): ${bad}`;
  }
  return undefined;
}
