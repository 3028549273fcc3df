/**
 * The built-in functions. Each is declared with the call forms CEL gives it: `size(x)` and
 * `x.size()` both exist, `x.startsWith(s)` only as a method, `int(x)` only as a function.
 */
import { regexSearch } from "./regex.js";
import { EvaluationError, isMap, typeName } from "./values.js";

interface Builtin {
  readonly arity: number;
  readonly method: boolean;
  readonly global: boolean;
  /** For a method call the receiver comes first in `args`. */
  readonly run: (args: readonly unknown[]) => unknown;
}

const BUILTINS = new Map<string, Builtin>([
  ["size", { arity: 1, method: true, global: true, run: ([x]) => size(x) }],
  ["startsWith", stringMethod("startsWith", (s, p) => s.startsWith(p))],
  ["endsWith", stringMethod("endsWith", (s, p) => s.endsWith(p))],
  ["contains", stringMethod("contains", (s, p) => s.includes(p))],
  ["matches", { ...stringMethod("matches", matches), global: true }],
  ["string", { arity: 1, method: false, global: true, run: ([x]) => stringOf(x) }],
  ["int", { arity: 1, method: false, global: true, run: ([x]) => toInt(x) }],
  ["double", { arity: 1, method: false, global: true, run: ([x]) => toDouble(x) }],
]);

export function callBuiltin(fn: string, isMethod: boolean, args: readonly unknown[]): unknown {
  const builtin = findBuiltin(fn, isMethod, args.length);
  if (!builtin) throw new EvaluationError(`no such function: ${fn}(${args.map(typeName).join(", ")})`);
  return builtin.run(args);
}

/**
 * Why `fn` cannot be called in this form with `argCount` arguments (a method's receiver counted as
 * one), or undefined when it can; sync uses it to refuse an unknown function before any event comes.
 */
export function builtinProblem(fn: string, isMethod: boolean, argCount: number): string | undefined {
  if (findBuiltin(fn, isMethod, argCount)) return undefined;
  if (!BUILTINS.has(fn)) return `unknown function ${JSON.stringify(fn)}`;
  const args = argCount - (isMethod ? 1 : 0);
  return `${JSON.stringify(fn)} cannot be called as a ${isMethod ? "method" : "function"} with ${args} argument${args === 1 ? "" : "s"}`;
}

function findBuiltin(fn: string, isMethod: boolean, argCount: number): Builtin | undefined {
  const builtin = BUILTINS.get(fn);
  if (!builtin || argCount !== builtin.arity || !(isMethod ? builtin.method : builtin.global)) return undefined;
  return builtin;
}

function stringMethod(name: string, f: (s: string, arg: string) => boolean): Builtin {
  return {
    arity: 2,
    method: true,
    global: false,
    run: ([s, arg]) => {
      if (typeof s !== "string" || typeof arg !== "string") throw overload(name, s, arg);
      return f(s, arg);
    },
  };
}

function overload(fn: string, ...args: unknown[]): EvaluationError {
  return new EvaluationError(`no such overload: ${fn}(${args.map(typeName).join(", ")})`);
}

function size(x: unknown): number {
  // Code points, not UTF-16 units: CEL strings are sequences of code points.
  if (typeof x === "string") return [...x].length;
  if (Array.isArray(x)) return x.length;
  if (isMap(x)) return Object.keys(x).filter((k) => x[k] !== undefined).length;
  throw overload("size", x);
}

/** Like RE2's `matches`, it looks for the pattern anywhere unless anchored (see regex.ts for the engine). */
function matches(s: string, pattern: string): boolean {
  const found = regexSearch(s, pattern);
  if (typeof found === "boolean") return found;
  throw new EvaluationError(`invalid regular expression ${JSON.stringify(pattern)}: ${found.problem}`);
}

function stringOf(x: unknown): string {
  if (typeof x === "string") return x;
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  throw overload("string", x);
}

function toInt(x: unknown): number {
  if (typeof x === "number" && Number.isFinite(x)) return Math.trunc(x);
  if (typeof x === "string" && /^[+-]?\d+$/.test(x)) return Number(x);
  throw typeof x === "string" ? new EvaluationError(`int(): cannot parse ${JSON.stringify(x)}`) : overload("int", x);
}

function toDouble(x: unknown): number {
  if (typeof x === "number") return x;
  if (typeof x === "string") {
    const n = x.trim() === x && x !== "" ? Number(x) : NaN;
    if (!Number.isNaN(n) || x === "NaN") return n;
    throw new EvaluationError(`double(): cannot parse ${JSON.stringify(x)}`);
  }
  throw overload("double", x);
}
