/**
 * Freezes one variable into an expression. When a run waits for an event, its `if` compares the
 * run's trigger `event` with the incoming `async`; replacing every `event.…` path by the literal it
 * names leaves an expression over `async` alone, which the pause can store and index.
 */
import { InvalidInputError } from "../errors.js";
import { mapChildren, type Expr } from "./ast.js";
import { astOf } from "./compile.js";
import { evaluate } from "./evaluator.js";
import { print } from "./printer.js";
import { MISSING } from "./values.js";

/** Deeper values are refused: the printer recurses, and the result must parse again. */
const MAX_VALUE_DEPTH = 100;

/**
 * `source` with every member path rooted at `name` (`event.data.id`, `event["data"]`, `event`)
 * replaced by the literal of what it names in `value`. A path that names nothing (missing field, or
 * a field of a non-object) becomes `null`; `has(event.x.y)` becomes `true` or `false`.
 */
export function substituteVariable(source: string, name: string, value: unknown): string {
  const vars = { [name]: value };
  const replace = (e: Expr): Expr => {
    if (isPathOf(e, name)) return toLiteral(resolve(e, vars), 0);
    if (e.kind === "call" && e.fn === "has" && !e.target && e.args[0] && isPathOf(e.args[0], name)) {
      return { kind: "literal", value: resolve(e, vars) === true };
    }
    return mapChildren(e, replace);
  };
  return print(replace(astOf(source)));
}

/** Whether `e` is `name` followed only by field selections and constant indexes. */
function isPathOf(e: Expr, name: string): boolean {
  let cur = e;
  for (;;) {
    if (cur.kind === "ident") return cur.name === name;
    if (cur.kind === "select") cur = cur.operand;
    else if (cur.kind === "index" && cur.index.kind === "literal") cur = cur.operand;
    else return false;
  }
}

function resolve(e: Expr, vars: Record<string, unknown>): unknown {
  try {
    const v = evaluate(e, vars);
    return v === MISSING ? null : v;
  } catch {
    return null;
  }
}

/** A literal for a JSON-like value; anything JSON would drop or cannot hold becomes null. */
function toLiteral(v: unknown, depth: number): Expr {
  if (depth > MAX_VALUE_DEPTH) throw new InvalidInputError(`value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") {
    return { kind: "literal", value: v };
  }
  if (Array.isArray(v)) return { kind: "list", items: v.map((item: unknown) => toLiteral(item ?? null, depth + 1)) };
  if (typeof v !== "object") return { kind: "literal", value: null };
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return toLiteral(toJSON.call(v), depth + 1);
  const entries = Object.entries(v)
    .filter(([, x]) => x !== undefined && typeof x !== "function")
    .map(([k, x]) => ({ key: { kind: "literal", value: k } as const, value: toLiteral(x, depth + 1) }));
  return { kind: "map", entries };
}
