/**
 * Tree-walking evaluation. Deliberate simplifications against full CEL, chosen for event matching:
 *
 * - All numbers are JS numbers: `1 == 1.0` is true and `5 / 2` is 2.5 (CEL ints would give 2).
 * - A missing field (absent key, unknown variable, or any field of null/missing) is MISSING, not
 *   an error. Comparisons with MISSING are false, except `!=`, which is true; `has()` on it is
 *   false; anything else done with it (arithmetic, `!`, functions, `&&`) is an error.
 * - An out-of-range list index, a type mismatch or an unknown function is an EvaluationError.
 * - `&&` and `||` follow CEL's error absorption: `false && <error>` and `<error> && false` are false,
 *   `true || <error>` and `<error> || true` are true; otherwise the error propagates.
 */
import type { Expr } from "./ast.js";
import { callBuiltin } from "./functions.js";
import { EvaluationError, MISSING, deepEqual, field, isMap, mapKey, typeName } from "./values.js";

type Vars = Readonly<Record<string, unknown>>;
type BinaryExpr = Extract<Expr, { kind: "binary" }>;

const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">=", "in"]);

/** Evaluates `e`; may return MISSING, and throws EvaluationError on runtime errors. */
export function evaluate(e: Expr, vars: Vars): unknown {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "ident":
      return field(vars, e.name);
    case "select":
      return select(evaluate(e.operand, vars), e.field);
    case "index":
      return index(evaluate(e.operand, vars), evaluate(e.index, vars));
    case "list":
      return e.items.map((item) => present(evaluate(item, vars)));
    case "map": {
      // Null prototype: a "__proto__" key must be an ordinary entry, not a prototype change.
      const out = Object.create(null) as Record<string, unknown>;
      for (const entry of e.entries) {
        const key = mapKey(present(evaluate(entry.key, vars)));
        if (Object.hasOwn(out, key)) throw new EvaluationError(`duplicate map key ${JSON.stringify(key)}`);
        out[key] = present(evaluate(entry.value, vars));
      }
      return out;
    }
    case "unary": {
      const v = evaluate(e.operand, vars);
      if (e.op === "!" && typeof v === "boolean") return !v;
      if (e.op === "-" && typeof v === "number") return -v;
      throw new EvaluationError(`no such overload: ${e.op}${typeName(v)}`);
    }
    case "binary":
      return e.op === "&&" || e.op === "||" ? logical(e, vars) : binary(e, vars);
    case "conditional": {
      const test = evaluate(e.test, vars);
      if (typeof test !== "boolean") throw new EvaluationError(`condition of ?: is ${typeName(test)}, not bool`);
      return evaluate(test ? e.then : e.otherwise, vars);
    }
    case "call": {
      if (e.fn === "has" && !e.target) return has(e.args[0], vars);
      const args = e.args.map((a) => evaluate(a, vars));
      return e.target ? callBuiltin(e.fn, true, [evaluate(e.target, vars), ...args]) : callBuiltin(e.fn, false, args);
    }
  }
}

/** A missing value cannot be stored in a list or map: there is nothing to store. */
function present(v: unknown): unknown {
  if (v === MISSING) throw new EvaluationError("missing value used in a list or map");
  return v;
}

function select(obj: unknown, name: string): unknown {
  if (obj === MISSING || obj === null) return MISSING;
  if (!isMap(obj)) throw new EvaluationError(`cannot select field "${name}" of ${typeName(obj)}`);
  return field(obj, name);
}

function index(obj: unknown, key: unknown): unknown {
  if (obj === MISSING || obj === null) return MISSING;
  if (Array.isArray(obj)) {
    if (typeof key !== "number" || !Number.isInteger(key) || key < 0 || key >= obj.length) {
      throw new EvaluationError(`list index ${String(key)} out of range 0..${obj.length - 1}`);
    }
    const v: unknown = obj[key];
    return v === undefined ? MISSING : v;
  }
  if (isMap(obj)) return field(obj, mapKey(present(key)));
  throw new EvaluationError(`cannot index ${typeName(obj)}`);
}

function has(arg: Expr | undefined, vars: Vars): boolean {
  if (arg?.kind !== "select") throw new EvaluationError("has() takes a field selection");
  const obj = evaluate(arg.operand, vars);
  if (obj === MISSING || obj === null) return false;
  if (!isMap(obj)) throw new EvaluationError(`has() on ${typeName(obj)}`);
  return field(obj, arg.field) !== MISSING;
}

/** `&&` / `||`: the deciding value wins whichever side it is on, even over an error on the other. */
function logical(e: BinaryExpr, vars: Vars): boolean {
  const decisive = e.op === "||";
  let error: unknown;
  for (const side of [e.left, e.right]) {
    try {
      const v = evaluate(side, vars);
      if (v === decisive) return decisive;
      if (typeof v !== "boolean") error ??= new EvaluationError(`no such overload: ${typeName(v)} ${e.op} ...`);
    } catch (err) {
      error ??= err;
    }
  }
  if (error !== undefined) throw error;
  return !decisive;
}

function binary(e: BinaryExpr, vars: Vars): unknown {
  const l = evaluate(e.left, vars);
  const r = evaluate(e.right, vars);
  const fail = () => new EvaluationError(`no such overload: ${typeName(l)} ${e.op} ${typeName(r)}`);
  if (l === MISSING || r === MISSING) {
    if (COMPARISONS.has(e.op)) return e.op === "!=";
    throw fail();
  }
  switch (e.op) {
    case "==":
      return deepEqual(l, r);
    case "!=":
      return !deepEqual(l, r);
    case "in":
      if (Array.isArray(r)) return r.some((x) => deepEqual(l, x));
      if (isMap(r)) return field(r, mapKey(l)) !== MISSING;
      throw fail();
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const comparable = ["number", "string", "boolean"].includes(typeof l) && typeof l === typeof r;
      if (!comparable) throw fail();
      // Same-typed primitives; the casts only satisfy the type checker (strings compare as strings).
      const [a, b] = [l as number, r as number];
      return e.op === "<" ? a < b : e.op === "<=" ? a <= b : e.op === ">" ? a > b : a >= b;
    }
    case "+":
      if (typeof l === "string" && typeof r === "string") return l + r;
      if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
      break;
  }
  if (typeof l !== "number" || typeof r !== "number") throw fail();
  switch (e.op) {
    case "+":
      return l + r;
    case "-":
      return l - r;
    case "*":
      return l * r;
    default:
      // CEL makes division by zero an error rather than Infinity or NaN.
      if (r === 0) throw new EvaluationError(`division by zero`);
      return e.op === "/" ? l / r : l % r;
  }
}
