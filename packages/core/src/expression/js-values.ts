/**
 * CEL values as plain JS for callers outside the evaluator (flow-control keys, priorities, the
 * explain route): they stringify with JSON.stringify and compare with ===.
 */
import { formatDuration, formatTimestamp } from "./time-values.js";
import { CelMap, CelType, Duration, mapEntries, Timestamp, Uint } from "./values.js";

/** ints and uints become numbers when exact, else decimal strings; timestamps RFC 3339; bytes base64. */
export function toJs(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return typeof v === "bigint" ? intToJs(v) : v;
  if (v instanceof Uint) return intToJs(v.value);
  if (v instanceof Timestamp) return formatTimestamp(v);
  if (v instanceof Duration) return formatDuration(v);
  if (v instanceof CelType) return v.name;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (Array.isArray(v)) return v.some(needsConversion) ? v.map(toJs) : v;
  if (v instanceof CelMap) return Object.fromEntries(mapEntries(v).map(([k, x]) => [String(toJs(k)), toJs(x)]));
  const entries = Object.entries(v);
  return entries.some(([, x]) => needsConversion(x)) ? Object.fromEntries(entries.map(([k, x]) => [k, toJs(x)])) : v;
}

function intToJs(n: bigint): number | string {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** Whether a value (at any depth) holds something JSON cannot: JSON event data never does. */
function needsConversion(v: unknown): boolean {
  if (typeof v === "bigint") return true;
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) return v.some(needsConversion);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return true;
  return Object.values(v).some(needsConversion);
}
