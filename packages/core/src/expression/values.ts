/**
 * The value model of the evaluator. JSON values keep their JS form, so events are read without
 * copying; CEL's other types get a representation that keeps them apart:
 *
 * - int: `bigint` (64-bit range checked after every operation); uint: `Uint`; double: `number`.
 *   A JSON number is a double, as it is for Inngest (Go decodes JSON numbers to float64), and
 *   comparisons across numeric types are exact, as in current CEL (`1 == 1.0`, `2 < 2.5`).
 * - bytes: `Uint8Array`; timestamp and duration: `Timestamp` / `Duration` (nanoseconds as bigint);
 *   a type value: `CelType`.
 * - map: a plain object (string keys: every JSON map) or a `CelMap` (a map literal with int, uint
 *   or bool keys).
 * - MISSING: a field that is not there (see the evaluator for how Inngest treats it).
 */

/** An absent field: an absent key, an unknown variable, or any field of null or missing. */
export const MISSING: unique symbol = Symbol("missing");

/** A runtime failure (type mismatch, unknown function, bad index, overflow). */
export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

export class Uint {
  constructor(readonly value: bigint) {}
}

/** A point in time, in nanoseconds since the Unix epoch; CEL's range is years 0001 to 9999. */
export class Timestamp {
  constructor(readonly ns: bigint) {}
}

/** A signed span of time in nanoseconds; CEL's range is about ±10,000 years. */
export class Duration {
  constructor(readonly ns: bigint) {}
}

export class CelType {
  constructor(readonly name: string) {}
}

/** A map whose keys are not all strings. Keys are stored by `keyId`, so `1`, `1u` and `1.0` name one entry. */
export class CelMap {
  readonly entries = new Map<string, readonly [unknown, unknown]>();
}

export const TYPES: Readonly<Record<string, CelType>> = Object.fromEntries(
  ["int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "google.protobuf.Timestamp", "google.protobuf.Duration"].map((n) => [
    n,
    new CelType(n),
  ]),
);

export function int(v: bigint): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw new EvaluationError("int overflow");
  return v;
}

export function uint(v: bigint): Uint {
  if (v < 0n || v > UINT64_MAX) throw new EvaluationError("uint overflow");
  return new Uint(v);
}

/** A JSON-style map: a plain object (null-prototype objects from map literals included). */
export function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function isAnyMap(v: unknown): v is Record<string, unknown> | CelMap {
  return v instanceof CelMap || isMap(v);
}

/**
 * A map's own field, or MISSING. Own properties only, so `event.constructor` or `__proto__` never
 * reach the prototype chain; an `undefined` value counts as absent, as it would in JSON.
 */
export function field(map: Record<string, unknown>, key: string): unknown {
  const v = Object.hasOwn(map, key) ? map[key] : undefined;
  return v === undefined ? MISSING : v;
}

/**
 * The identity of a map key: CEL allows int, uint, bool and string keys, and (since heterogeneous
 * equality) a double with an integral value finds the int key of the same number.
 */
export function keyId(key: unknown): string {
  if (typeof key === "string") return `s${key}`;
  if (typeof key === "bigint") return `n${key}`;
  if (key instanceof Uint) return `n${key.value}`;
  if (typeof key === "boolean") return key ? "t" : "f";
  if (typeof key === "number" && Number.isInteger(key)) return `n${BigInt(key)}`;
  throw new EvaluationError(`unsupported map key type ${typeName(key)}`);
}

/** The value at `key` in a map, or MISSING. */
export function mapGet(map: Record<string, unknown> | CelMap, key: unknown): unknown {
  if (map instanceof CelMap) {
    const entry = map.entries.get(keyId(key));
    return entry === undefined ? MISSING : entry[1];
  }
  if (typeof key === "string") return field(map, key);
  keyId(key); // Refuses key types no map can hold.
  return MISSING;
}

/** The present [key, value] pairs of a map. */
export function mapEntries(map: Record<string, unknown> | CelMap): (readonly [unknown, unknown])[] {
  if (map instanceof CelMap) return [...map.entries.values()];
  return Object.keys(map).flatMap((k) => (map[k] === undefined ? [] : [[k, map[k]] as const]));
}

export function mapSize(map: Record<string, unknown> | CelMap): number {
  if (map instanceof CelMap) return map.entries.size;
  let n = 0;
  for (const k in map) if (Object.hasOwn(map, k) && map[k] !== undefined) n++;
  return n;
}

export function typeName(v: unknown): string {
  return typeOf(v).name;
}

export function typeOf(v: unknown): CelType {
  const t = TYPES;
  switch (typeof v) {
    case "bigint":
      return t.int!;
    case "number":
      return t.double!;
    case "string":
      return t.string!;
    case "boolean":
      return t.bool!;
  }
  if (v === null) return t.null_type!;
  if (v === MISSING) return MISSING_TYPE;
  if (Array.isArray(v)) return t.list!;
  if (v instanceof Uint) return t.uint!;
  if (v instanceof Uint8Array) return t.bytes!;
  if (v instanceof Timestamp) return t["google.protobuf.Timestamp"]!;
  if (v instanceof Duration) return t["google.protobuf.Duration"]!;
  if (v instanceof CelType) return t.type!;
  if (isAnyMap(v)) return t.map!;
  throw new EvaluationError(`unsupported value ${String(v)}`);
}

const MISSING_TYPE = new CelType("missing");

/** A number's value for comparison across numeric types: bigint stays exact, double stays as is. */
function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === "number" || typeof v === "bigint") return v;
  if (v instanceof Uint) return v.value;
  return undefined;
}

/**
 * Two numbers made comparable as CEL does: ints and uints compare exactly with each other, and
 * with a double they are converted to double first (so 2^63-1 equals 2^63 as a double).
 */
function numericPair(a: unknown, b: unknown): [number | bigint, number | bigint] | undefined {
  const x = numeric(a);
  const y = x === undefined ? undefined : numeric(b);
  if (x === undefined || y === undefined) return undefined;
  if (typeof x === "number" && typeof y !== "number") return [x, Number(y)];
  if (typeof y === "number" && typeof x !== "number") return [Number(x), y];
  return [x, y];
}

/**
 * CEL equality: by value for lists and maps, numbers across int, uint and double (NaN equals
 * nothing), values of different types simply unequal.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "number" || !Number.isNaN(a);
  const pair = numericPair(a, b);
  if (pair) return pair[0] === pair[1];
  if (numeric(a) !== undefined) return false;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((v, i) => v === b[i]);
  if (a instanceof Timestamp) return b instanceof Timestamp && a.ns === b.ns;
  if (a instanceof Duration) return b instanceof Duration && a.ns === b.ns;
  if (a instanceof CelType) return b instanceof CelType && a.name === b.name;
  if (!isAnyMap(a) || !isAnyMap(b)) return false;
  const entries = mapEntries(a);
  if (entries.length !== mapSize(b)) return false;
  return entries.every(([k, v]) => {
    const other = mapGet(b, k);
    return other !== MISSING && deepEqual(v, other);
  });
}

/**
 * The order of two values (-1, 0, 1), or undefined when they are unordered (NaN); throws when CEL
 * has no ordering for the pair. Numbers compare across int, uint and double.
 */
export function compare(a: unknown, b: unknown): number | undefined {
  const pair = numericPair(a, b);
  if (pair) {
    const [x, y] = pair;
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : undefined;
  }
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Timestamp && b instanceof Timestamp) return sign(a.ns - b.ns);
  if (a instanceof Duration && b instanceof Duration) return sign(a.ns - b.ns);
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return Math.sign(a.length - b.length);
  }
  throw new EvaluationError(`no such overload: ${typeName(a)} < ${typeName(b)}`);
}

function sign(n: bigint): number {
  return n < 0n ? -1 : n > 0n ? 1 : 0;
}

/** By code point, as CEL orders strings; JS's `<` orders UTF-16 units, which differs past U+FFFF. */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const surrogate = (c: number) => c >= 0xd800 && c <= 0xdfff;
    if (surrogate(x) !== surrogate(y)) return surrogate(x) ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}
