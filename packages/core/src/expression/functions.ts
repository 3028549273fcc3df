/**
 * The built-in functions: CEL's standard library for JSON-shaped data, and the functions Inngest
 * adds (`lowercase`, `uppercase`, `b64decode`, `json_parse`, `date`, `now`, `now_plus`,
 * `now_minus`). Each is declared with the call forms CEL gives it: `size(x)` and `x.size()` both
 * exist, `x.startsWith(s)` only as a method, `int(x)` only as a function.
 */
import { parseInngestDate } from "./inngest-dates.js";
import { regexSearch } from "./regex.js";
import {
  DURATION_FIELDS,
  duration,
  durationField,
  floorDiv,
  formatDuration,
  formatTimestamp,
  NS_PER_S,
  parseGoDuration,
  parseRfc3339,
  TIMESTAMP_FIELDS,
  timestamp,
  timestampField,
  timestampFromMs,
} from "./time-values.js";
import { Duration, EvaluationError, INT64_MAX, INT64_MIN, isAnyMap, mapSize, Timestamp, typeName, typeOf, Uint, UINT64_MAX, uint } from "./values.js";

interface Builtin {
  /** Argument counts accepted, a method's receiver included. */
  readonly arities: readonly number[];
  readonly method: boolean;
  readonly global: boolean;
  /** For a method call the receiver comes first in `args`. */
  readonly run: (args: readonly unknown[]) => unknown;
}

const fn = (arity: number, run: Builtin["run"]): Builtin => ({ arities: [arity], method: false, global: true, run });
const both = (arity: number, run: Builtin["run"]): Builtin => ({ arities: [arity], method: true, global: true, run });

const BUILTINS = new Map<string, Builtin>([
  ["size", both(1, ([x]) => BigInt(size(x)))],
  ["startsWith", stringMethod("startsWith", (s, p) => s.startsWith(p))],
  ["endsWith", stringMethod("endsWith", (s, p) => s.endsWith(p))],
  ["contains", stringMethod("contains", (s, p) => s.includes(p))],
  ["matches", both(2, ([s, p]) => matches(s, p))],
  ["string", fn(1, ([x]) => toStringValue(x))],
  ["int", fn(1, ([x]) => toInt(x))],
  ["uint", fn(1, ([x]) => toUint(x))],
  ["double", fn(1, ([x]) => toDouble(x))],
  ["bool", fn(1, ([x]) => toBool(x))],
  ["bytes", fn(1, ([x]) => toBytes(x))],
  ["dyn", fn(1, ([x]) => x)],
  ["type", fn(1, ([x]) => typeOf(x))],
  ["timestamp", fn(1, ([x]) => toTimestamp(x))],
  ["duration", fn(1, ([x]) => toDuration(x))],
  // Inngest's additions (pkg/expressions/exprenv in inngest/inngest).
  ["lowercase", fn(1, ([x]) => stringArg("lowercase", x).toLowerCase())],
  ["uppercase", fn(1, ([x]) => stringArg("uppercase", x).toUpperCase())],
  ["b64decode", fn(1, ([x]) => b64decode(stringArg("b64decode", x)))],
  ["json_parse", fn(1, ([x]) => jsonParse(stringArg("json_parse", x)))],
  ["date", fn(1, ([x]) => parseInngestDate(x))],
  ["now", fn(0, () => timestampFromMs(Date.now()))],
  ["now_plus", fn(1, ([x]) => nowShifted("now_plus", x, 1n))],
  ["now_minus", fn(1, ([x]) => nowShifted("now_minus", x, -1n))],
]);
for (const name of TIMESTAMP_FIELDS) {
  BUILTINS.set(name, { arities: [1, 2], method: true, global: false, run: ([t, zone]) => calendarField(name, t, zone) });
}

export function callBuiltin(name: string, isMethod: boolean, args: readonly unknown[]): unknown {
  const builtin = findBuiltin(name, isMethod, args.length);
  if (!builtin) throw new EvaluationError(`no such function: ${name}(${args.map(typeName).join(", ")})`);
  return builtin.run(args);
}

/**
 * Why `name` cannot be called in this form with `argCount` arguments (a method's receiver counted as
 * one), or undefined when it can; sync uses it to refuse an unknown function before any event comes.
 */
export function builtinProblem(name: string, isMethod: boolean, argCount: number): string | undefined {
  if (findBuiltin(name, isMethod, argCount)) return undefined;
  if (!BUILTINS.has(name)) return `unknown function ${JSON.stringify(name)}`;
  const args = argCount - (isMethod ? 1 : 0);
  return `${JSON.stringify(name)} cannot be called as a ${isMethod ? "method" : "function"} with ${args} argument${args === 1 ? "" : "s"}`;
}

function findBuiltin(name: string, isMethod: boolean, argCount: number): Builtin | undefined {
  const builtin = BUILTINS.get(name);
  if (!builtin?.arities.includes(argCount) || !(isMethod ? builtin.method : builtin.global)) return undefined;
  return builtin;
}

function stringMethod(name: string, f: (s: string, arg: string) => boolean): Builtin {
  return {
    arities: [2],
    method: true,
    global: false,
    run: ([s, arg]) => {
      if (typeof s !== "string" || typeof arg !== "string") throw overload(name, s, arg);
      return f(s, arg);
    },
  };
}

function overload(name: string, ...args: unknown[]): EvaluationError {
  return new EvaluationError(`no such overload: ${name}(${args.map(typeName).join(", ")})`);
}

function stringArg(name: string, x: unknown): string {
  if (typeof x !== "string") throw overload(name, x);
  return x;
}

function size(x: unknown): number {
  // Code points, not UTF-16 units: CEL strings are sequences of code points.
  if (typeof x === "string") {
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      const c = x.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff || i === 0 || x.charCodeAt(i - 1) < 0xd800 || x.charCodeAt(i - 1) > 0xdbff) n++;
    }
    return n;
  }
  if (Array.isArray(x) || x instanceof Uint8Array) return x.length;
  if (isAnyMap(x)) return mapSize(x);
  throw overload("size", x);
}

/** Like RE2's `matches`, it looks for the pattern anywhere unless anchored (see regex.ts for the engine). */
function matches(s: unknown, pattern: unknown): boolean {
  if (typeof s !== "string" || typeof pattern !== "string") throw overload("matches", s, pattern);
  const found = regexSearch(s, pattern);
  if (typeof found === "boolean") return found;
  throw new EvaluationError(`invalid regular expression ${JSON.stringify(pattern)}: ${found.problem}`);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function toStringValue(x: unknown): string {
  if (typeof x === "string") return x;
  if (typeof x === "boolean" || typeof x === "bigint") return String(x);
  if (typeof x === "number") return formatDouble(x);
  if (x instanceof Uint) return String(x.value);
  if (x instanceof Timestamp) return formatTimestamp(x);
  if (x instanceof Duration) return formatDuration(x);
  if (x instanceof Uint8Array) {
    try {
      return strictUtf8.decode(x);
    } catch {
      throw new EvaluationError("string(): invalid UTF-8 in bytes");
    }
  }
  throw overload("string", x);
}

/** CEL (Go) prints infinities and NaN as `+Inf`, `-Inf` and `NaN`. */
function formatDouble(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  return String(x);
}

/** A double's integer part as an int, or a range error when it does not fit (CEL: strictly inside ±2^63). */
function truncated(x: number, low: bigint, high: bigint, what: string): bigint {
  if (!Number.isFinite(x)) throw new EvaluationError(`${what}(): range error converting ${x}`);
  const n = BigInt(Math.trunc(x));
  if (n < low || n > high || x >= 2 ** 63 * (what === "uint" ? 2 : 1) || (what === "int" && x <= -(2 ** 63))) {
    throw new EvaluationError(`${what}(): range error converting ${x}`);
  }
  return n;
}

function toInt(x: unknown): bigint {
  if (typeof x === "bigint") return x;
  if (typeof x === "number") return truncated(x, INT64_MIN, INT64_MAX, "int");
  if (x instanceof Uint) {
    if (x.value > INT64_MAX) throw new EvaluationError("int(): range error");
    return x.value;
  }
  if (typeof x === "string") {
    if (!/^[+-]?\d+$/.test(x)) throw new EvaluationError(`int(): cannot parse ${JSON.stringify(x)}`);
    const n = BigInt(x);
    if (n < INT64_MIN || n > INT64_MAX) throw new EvaluationError(`int(): range error parsing ${JSON.stringify(x)}`);
    return n;
  }
  if (x instanceof Timestamp) return floorDiv(x.ns, NS_PER_S);
  if (x instanceof Duration) return x.ns;
  throw overload("int", x);
}

function toUint(x: unknown): Uint {
  if (x instanceof Uint) return x;
  if (typeof x === "bigint") {
    if (x < 0n) throw new EvaluationError("uint(): range error");
    return new Uint(x);
  }
  if (typeof x === "number") return new Uint(truncated(x, 0n, UINT64_MAX, "uint"));
  if (typeof x === "string") {
    if (!/^\+?\d+$/.test(x)) throw new EvaluationError(`uint(): cannot parse ${JSON.stringify(x)}`);
    return uint(BigInt(x));
  }
  throw overload("uint", x);
}

function toDouble(x: unknown): number {
  if (typeof x === "number") return x;
  if (typeof x === "bigint") return Number(x);
  if (x instanceof Uint) return Number(x.value);
  if (typeof x === "string") {
    const special: Record<string, number> = {
      NaN: NaN,
      inf: Infinity,
      "+inf": Infinity,
      "-inf": -Infinity,
      Infinity,
      "+Infinity": Infinity,
      "-Infinity": -Infinity,
    };
    const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(x) ? Number(x) : special[x];
    if (n !== undefined) return n;
    throw new EvaluationError(`double(): cannot parse ${JSON.stringify(x)}`);
  }
  throw overload("double", x);
}

const BOOL_STRINGS: Readonly<Record<string, boolean>> = {
  1: true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  0: false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

function toBool(x: unknown): boolean {
  if (typeof x === "boolean") return x;
  if (typeof x === "string") {
    const b = BOOL_STRINGS[x];
    if (b !== undefined) return b;
    throw new EvaluationError(`bool(): cannot parse ${JSON.stringify(x)}`);
  }
  throw overload("bool", x);
}

function toBytes(x: unknown): Uint8Array {
  if (x instanceof Uint8Array) return x;
  if (typeof x === "string") return new TextEncoder().encode(x);
  throw overload("bytes", x);
}

function toTimestamp(x: unknown): Timestamp {
  if (x instanceof Timestamp) return x;
  if (typeof x === "bigint") return timestamp(x * NS_PER_S);
  if (typeof x === "string") {
    const t = parseRfc3339(x);
    if (t) return t;
    throw new EvaluationError(`timestamp(): cannot parse ${JSON.stringify(x)} (RFC 3339 expected)`);
  }
  throw overload("timestamp", x);
}

function toDuration(x: unknown): Duration {
  if (x instanceof Duration) return x;
  if (typeof x === "bigint") return duration(x);
  if (typeof x === "string") {
    const ns = parseGoDuration(x);
    if (ns !== undefined) return duration(ns);
    throw new EvaluationError(`duration(): cannot parse ${JSON.stringify(x)}`);
  }
  throw overload("duration", x);
}

function calendarField(name: string, t: unknown, zone: unknown): bigint {
  if (zone !== undefined && typeof zone !== "string") throw overload(name, t, zone);
  if (t instanceof Timestamp) return timestampField(name, t, zone);
  if (t instanceof Duration && zone === undefined && DURATION_FIELDS.has(name)) return durationField(name, t);
  throw overload(name, t, ...(zone === undefined ? [] : [zone]));
}

/** Standard base64 as Go decodes it for Inngest; undecodable input gives what decoded before the error. */
function b64decode(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return "";
  return Buffer.from(s, "base64").toString("utf8");
}

/** Inngest parses into a map and ignores errors: anything but a JSON object gives an empty map. */
function jsonParse(s: string): unknown {
  try {
    const v: unknown = JSON.parse(s);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v;
  } catch {
    // Falls through to the empty map, as on Inngest.
  }
  return {};
}

function nowShifted(name: string, x: unknown, sign: bigint): Timestamp {
  const ns = parseGoDuration(stringArg(name, x), true);
  if (ns === undefined) throw new EvaluationError(`${name}(): cannot parse duration ${JSON.stringify(x)}`);
  return timestamp(timestampFromMs(Date.now()).ns + sign * ns);
}
