/**
 * Small runtime checks of JSON values, for the arguments a coordinator receives (`call-args.ts`).
 * Each returns undefined when the value fits, else a sentence naming where and what is wrong.
 *
 * `Check<T>` carries, for the compiler only, the type it accepts, contravariantly: a check may be
 * used for a parameter of type `P` only when every `P` passes it, so a table of checks typed
 * against the store contracts can be too lenient but never refuse what a contract allows.
 */
export interface Check<T> {
  (value: unknown, at: string): string | undefined;
  /** Type-level only, never set. */
  readonly accepts?: (value: T) => void;
}

function check<T>(expected: string, fits: (value: unknown) => boolean): Check<T> {
  return (value, at) => (fits(value) ? undefined : problem(at, expected, value));
}

function problem(at: string, expected: string, value: unknown): string {
  return value === undefined ? `${at} is missing (expected ${expected})` : `${at} must be ${expected}, got ${describe(value)}`;
}

/** What a value is, for a message: its kind and, for scalars, a short view of it. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${value}`;
  return `an ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const str: Check<string> = check("a string", (v) => typeof v === "string");
export const bool: Check<boolean> = check("a boolean", (v) => typeof v === "boolean");
/** A finite number (JSON cannot carry NaN or Infinity; `1e999` parses to Infinity). */
export const num: Check<number> = check("a finite number", (v) => typeof v === "number" && Number.isFinite(v));
/** A whole number: every time (ms), duration, count and version in the contracts is one. */
export const int: Check<number> = check("a whole number", (v) => Number.isSafeInteger(v));
/** A JSON object (not an array, not null), whatever its fields: user data. */
export const record: Check<Record<string, unknown>> = check("an object", isRecord);

/** One of a closed set of strings. */
export function oneOf<const L extends string>(...literals: L[]): Check<L> {
  return check(`one of ${literals.map((l) => JSON.stringify(l)).join(", ")}`, (v) => literals.includes(v as L));
}

/**
 * The value, or nothing: an absent field, or an undefined argument (which travels as a top-level
 * null, turned back by `decodeArgs`). A null field is refused: JSON.stringify drops undefined
 * fields, so a client never sends one, and the stores test `=== undefined` (a null `matchKey`
 * or `exclusiveKey` would be taken for one that is set).
 */
export function optional<T>(inner: Check<T>): Check<T | undefined> {
  return (value, at) => (value === undefined ? undefined : inner(value, at));
}

/** An array whose every element passes `inner`; the first that does not is named by its index. */
export function arrayOf<T>(inner: Check<T>): Check<readonly T[]> {
  return (value, at) => {
    if (!Array.isArray(value)) return problem(at, "an array", value);
    for (let i = 0; i < value.length; i++) {
      const wrong = inner(value[i], `${at}[${i}]`);
      if (wrong !== undefined) return wrong;
    }
    return undefined;
  };
}

type Accepted<C> = C extends Check<infer T> ? T : never;
type OptionalKeys<S> = { [K in keyof S]: undefined extends Accepted<S[K]> ? K : never }[keyof S];
type Shaped<S> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Accepted<S[K]> } & { [K in OptionalKeys<S>]?: Accepted<S[K]> };

/** An object with these fields (other fields are let through untouched). */
export function object<S extends Record<string, Check<never>>>(fields: S): Check<Shaped<S>> {
  const entries = Object.entries(fields);
  return (value, at) => {
    if (!isRecord(value)) return problem(at, "an object", value);
    for (const [key, inner] of entries) {
      const wrong = inner(Object.hasOwn(value, key) ? value[key] : undefined, `${at}.${key}`);
      if (wrong !== undefined) return wrong;
    }
    return undefined;
  };
}
