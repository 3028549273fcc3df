/**
 * The value model of the evaluator: JSON-like JS values (null, boolean, number, string, arrays,
 * objects as maps) plus MISSING for a field that is not there.
 */

/**
 * An absent field. Kept apart from null because JSON null is a value and an absent key is not:
 * `missing == null` is false, and `missing != x` is true for every x.
 */
export const MISSING: unique symbol = Symbol("missing");

/** A runtime failure (type mismatch, unknown function, bad index); conditions treat it as false. */
export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A map's own field, or MISSING. Own properties only, so `event.constructor` or `__proto__` never
 * reach the prototype chain; an `undefined` value counts as absent, as it would in JSON.
 */
export function field(map: Record<string, unknown>, key: string): unknown {
  const v = Object.hasOwn(map, key) ? map[key] : undefined;
  return v === undefined ? MISSING : v;
}

/** Maps are JS objects, so map keys are strings; ints and bools are accepted as CEL allows them. */
export function mapKey(key: unknown): string {
  if (typeof key === "string" || typeof key === "number" || typeof key === "boolean") return String(key);
  throw new EvaluationError(`unsupported map key type ${typeName(key)}`);
}

export function typeName(v: unknown): string {
  if (v === MISSING) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return "map";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

/** CEL equality: by value for lists and maps; values of different types are simply unequal. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!isMap(a) || !isMap(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  const otherCount = Object.keys(b).filter((k) => b[k] !== undefined).length;
  return keys.length === otherCount && keys.every((k) => deepEqual(a[k], field(b, k)));
}
