/**
 * Tree-walking evaluation of CEL (see values.ts for how each CEL type is held). It follows the CEL
 * spec, plus the rules Inngest layers over cel-go for event data, so filters mean what they mean
 * on Inngest:
 *
 * - A missing field (absent key, unknown variable, or any field of null or missing) is MISSING,
 *   not an error. `missing == null` is true and `missing != null` false; against anything else
 *   `==` is false and `!=` true. A missing value is less than anything: `missing < x` and
 *   `missing <= x` are true, `missing > x` and `missing >= x` false (and the mirror image when it
 *   is on the right). `in` with it is false, `size()` of it is 0, and any other function given it
 *   returns false. Arithmetic on it is an error (Inngest would return the other operand).
 * - `null` ordered against a number or string stands for that type's zero: `null < 1` is true.
 * - `&&` and `||` follow CEL's error absorption: `false && <error>` and `<error> && false` are false,
 *   `true || <error>` and `<error> || true` are true; otherwise the error propagates. The
 *   comprehension macros absorb errors the same way (`all` like `&&`, `exists` like `||`).
 */
import type { Expr } from "./ast.js";
import { callBuiltin } from "./functions.js";
import { MACROS } from "./parser.js";
import { timestamp, duration } from "./time-values.js";
import {
  CelMap,
  compare,
  deepEqual,
  Duration,
  EvaluationError,
  field,
  int,
  isAnyMap,
  isMap,
  keyId,
  mapEntries,
  mapGet,
  MISSING,
  Timestamp,
  TYPES,
  typeName,
  Uint,
  uint,
} from "./values.js";

type Vars = Readonly<Record<string, unknown>>;
type BinaryExpr = Extract<Expr, { kind: "binary" }>;
type CallExpr = Extract<Expr, { kind: "call" }>;

/** Evaluates `e`; may return MISSING, and throws EvaluationError on runtime errors. */
export function evaluate(e: Expr, vars: Vars): unknown {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "ident": {
      const v = field(vars, e.name);
      return v === MISSING && Object.hasOwn(TYPES, e.name) ? TYPES[e.name] : v;
    }
    case "select":
      return select(evaluate(e.operand, vars), e.field);
    case "index":
      return index(evaluate(e.operand, vars), evaluate(e.index, vars));
    case "list":
      return e.items.map((item) => present(evaluate(item, vars)));
    case "map":
      return mapLiteral(e, vars);
    case "unary":
      return unary(e.op, evaluate(e.operand, vars));
    case "binary":
      return e.op === "&&" || e.op === "||" ? logical(e, vars) : binary(e.op, evaluate(e.left, vars), evaluate(e.right, vars));
    case "conditional": {
      const test = evaluate(e.test, vars);
      if (typeof test !== "boolean") throw new EvaluationError(`condition of ?: is ${typeName(test)}, not bool`);
      return evaluate(test ? e.then : e.otherwise, vars);
    }
    case "call":
      return call(e, vars);
  }
}

function call(e: CallExpr, vars: Vars): unknown {
  if (!e.target) {
    if (e.fn === "has") return has(e.args[0], vars);
  } else if (MACROS[e.fn]?.includes(e.args.length)) {
    return comprehension(e, evaluate(e.target, vars), vars);
  }
  const args = e.target ? [evaluate(e.target, vars)] : [];
  for (const a of e.args) args.push(evaluate(a, vars));
  // Inngest: a function of a missing value is false, except size(), which is 0.
  if (args.includes(MISSING)) return e.fn === "size" ? 0n : false;
  return callBuiltin(e.fn, e.target !== undefined, args);
}

/** A missing value cannot be stored in a list or map: there is nothing to store. */
function present(v: unknown): unknown {
  if (v === MISSING) throw new EvaluationError("missing value used in a list or map");
  return v;
}

function mapLiteral(e: Extract<Expr, { kind: "map" }>, vars: Vars): unknown {
  const pairs = e.entries.map((entry) => [present(evaluate(entry.key, vars)), present(evaluate(entry.value, vars))] as const);
  const ids = new Set<string>();
  for (const [key] of pairs) {
    const id = keyId(key);
    if (ids.has(id)) throw new EvaluationError(`duplicate map key ${typeof key === "string" ? JSON.stringify(key) : String(key)}`);
    ids.add(id);
  }
  if (pairs.every(([k]) => typeof k === "string")) {
    // Null prototype: a "__proto__" key must be an ordinary entry, not a prototype change.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of pairs) out[k as string] = v;
    return out;
  }
  const out = new CelMap();
  for (const [k, v] of pairs) out.entries.set(keyId(k), [k, v]);
  return out;
}

function select(obj: unknown, name: string): unknown {
  if (obj === MISSING || obj === null) return MISSING;
  if (isMap(obj)) return field(obj, name);
  if (obj instanceof CelMap) return mapGet(obj, name);
  throw new EvaluationError(`cannot select field "${name}" of ${typeName(obj)}`);
}

function index(obj: unknown, key: unknown): unknown {
  if (obj === MISSING || obj === null) return MISSING;
  if (Array.isArray(obj)) {
    const i = listIndex(key);
    if (i < 0 || i >= obj.length) throw new EvaluationError(`list index ${String(key)} out of range 0..${obj.length - 1}`);
    const v: unknown = obj[i];
    return v === undefined ? MISSING : v;
  }
  if (isAnyMap(obj)) return mapGet(obj, present(key));
  throw new EvaluationError(`cannot index ${typeName(obj)}`);
}

/** A list index: an int, a uint or a double with an integral value (heterogeneous CEL). */
function listIndex(key: unknown): number {
  if (typeof key === "bigint") return key > 2n ** 53n ? -1 : Number(key);
  if (key instanceof Uint) return key.value > 2n ** 53n ? -1 : Number(key.value);
  if (typeof key === "number" && Number.isInteger(key)) return key;
  throw new EvaluationError(`no such overload: list[${typeName(key)}]`);
}

function has(arg: Expr | undefined, vars: Vars): boolean {
  if (arg?.kind !== "select") throw new EvaluationError("has() takes a field selection");
  const obj = evaluate(arg.operand, vars);
  if (obj === MISSING || obj === null) return false;
  if (!isAnyMap(obj)) throw new EvaluationError(`has() on ${typeName(obj)}`);
  return mapGet(obj, arg.field) !== MISSING;
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

/** `list.all(x, p)`, `exists`, `exists_one`, `map(x, t)`, `map(x, p, t)`, `filter(x, p)`; maps range over keys. */
function comprehension(e: CallExpr, range: unknown, vars: Vars): unknown {
  const items: readonly unknown[] = Array.isArray(range) ? range : isAnyMap(range) ? mapEntries(range).map(([k]) => k) : [];
  if (!Array.isArray(range) && !isAnyMap(range)) throw new EvaluationError(`${e.fn}() over ${typeName(range)}`);
  const name = (e.args[0] as Extract<Expr, { kind: "ident" }>).name;
  const scope: Record<string, unknown> = { ...vars };
  const at = (body: Expr, item: unknown): unknown => {
    scope[name] = item;
    return evaluate(body, scope);
  };
  const predicate = (body: Expr, item: unknown): boolean => {
    const v = at(body, item);
    if (typeof v !== "boolean") throw new EvaluationError(`${e.fn}() predicate gave ${typeName(v)}, not bool`);
    return v;
  };
  const body = e.args[e.args.length - 1]!;
  switch (e.fn) {
    case "all":
    case "exists": {
      const decisive = e.fn === "exists";
      let error: unknown;
      for (const item of items) {
        try {
          if (predicate(body, item) === decisive) return decisive;
        } catch (err) {
          error ??= err;
        }
      }
      if (error !== undefined) throw error;
      return !decisive;
    }
    case "exists_one":
      return items.filter((item) => predicate(body, item)).length === 1;
    case "filter":
      return items.filter((item) => predicate(body, item));
    default: {
      const filter = e.args.length === 3 ? e.args[1]! : undefined;
      return items.flatMap((item) => (filter && !predicate(filter, item) ? [] : [present(at(body, item))]));
    }
  }
}

function unary(op: "!" | "-", v: unknown): unknown {
  if (op === "!" && typeof v === "boolean") return !v;
  if (op === "-") {
    if (typeof v === "number") return -v;
    if (typeof v === "bigint") return int(-v);
    if (v instanceof Duration) return duration(-v.ns);
  }
  throw new EvaluationError(`no such overload: ${op}${typeName(v)}`);
}

function fail(op: string, l: unknown, r: unknown): EvaluationError {
  return new EvaluationError(`no such overload: ${typeName(l)} ${op} ${typeName(r)}`);
}

/** A binary operator other than `&&` and `||`, applied to evaluated operands. */
export function binary(op: BinaryExpr["op"], l: unknown, r: unknown): unknown {
  if (l === MISSING || r === MISSING) return withMissing(op, l, r);
  switch (op) {
    case "==":
      // Fast path: two strings (the usual filter), compared without the generic walk.
      return typeof l === "string" && typeof r === "string" ? l === r : deepEqual(l, r);
    case "!=":
      return typeof l === "string" && typeof r === "string" ? l !== r : !deepEqual(l, r);
    case "in":
      if (Array.isArray(r)) return r.some((x) => deepEqual(l, x));
      if (isAnyMap(r)) return isKey(l) && mapGet(r, l) !== MISSING;
      throw fail(op, l, r);
    case "<":
    case "<=":
    case ">":
    case ">=": {
      // Fast path for the common case of a number compared with a number.
      if (typeof l === "number" && typeof r === "number") return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : l >= r;
      const c = compare(l === null ? zeroLike(r) : l, r === null ? zeroLike(l) : r);
      if (c === undefined) return false;
      return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
    }
  }
  return arithmetic(op, l, r);
}

function isKey(v: unknown): boolean {
  return typeof v === "string" || typeof v === "bigint" || typeof v === "boolean" || v instanceof Uint || (typeof v === "number" && Number.isInteger(v));
}

/** Inngest orders null as the zero of the type it is compared with. */
function zeroLike(v: unknown): unknown {
  if (typeof v === "bigint") return 0n;
  if (typeof v === "number") return 0;
  if (v instanceof Uint) return new Uint(0n);
  if (typeof v === "string") return "";
  return null;
}

function withMissing(op: string, l: unknown, r: unknown): unknown {
  const other = l === MISSING ? r : l;
  switch (op) {
    case "==":
      return other === null;
    case "!=":
      return other !== null;
    case "<":
    case "<=":
      return l === MISSING;
    case ">":
    case ">=":
      return l !== MISSING;
    case "in":
      return false;
  }
  throw fail(op, l, r);
}

function arithmetic(op: string, l: unknown, r: unknown): unknown {
  if (typeof l === "bigint" && typeof r === "bigint") {
    switch (op) {
      case "+":
        return int(l + r);
      case "-":
        return int(l - r);
      case "*":
        return int(l * r);
      case "/":
        if (r === 0n) throw new EvaluationError("division by zero");
        return int(l / r);
      case "%":
        if (r === 0n) throw new EvaluationError("modulus by zero");
        return l % r;
    }
  }
  if (typeof l === "number" && typeof r === "number") {
    switch (op) {
      case "+":
        return l + r;
      case "-":
        return l - r;
      case "*":
        return l * r;
      case "/":
        // IEEE 754, as CEL: 1.0 / 0.0 is +Infinity and 0.0 / 0.0 is NaN.
        return l / r;
    }
  }
  if (l instanceof Uint && r instanceof Uint) {
    const [a, b] = [l.value, r.value];
    switch (op) {
      case "+":
        return uint(a + b);
      case "-":
        return uint(a - b);
      case "*":
        return uint(a * b);
      case "/":
        if (b === 0n) throw new EvaluationError("division by zero");
        return uint(a / b);
      case "%":
        if (b === 0n) throw new EvaluationError("modulus by zero");
        return uint(a % b);
    }
  }
  if (op === "+") {
    if (typeof l === "string" && typeof r === "string") return l + r;
    if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
    if (l instanceof Uint8Array && r instanceof Uint8Array) {
      const out = new Uint8Array(l.length + r.length);
      out.set(l);
      out.set(r, l.length);
      return out;
    }
  }
  return timeArithmetic(op, l, r);
}

function timeArithmetic(op: string, l: unknown, r: unknown): unknown {
  if (op === "+") {
    if (l instanceof Timestamp && r instanceof Duration) return timestamp(l.ns + r.ns);
    if (l instanceof Duration && r instanceof Timestamp) return timestamp(l.ns + r.ns);
    if (l instanceof Duration && r instanceof Duration) return duration(l.ns + r.ns);
  }
  if (op === "-") {
    if (l instanceof Timestamp && r instanceof Duration) return timestamp(l.ns - r.ns);
    if (l instanceof Timestamp && r instanceof Timestamp) return duration(l.ns - r.ns);
    if (l instanceof Duration && r instanceof Duration) return duration(l.ns - r.ns);
  }
  throw fail(op, l, r);
}
