/**
 * CEL's timestamp and duration: parsing, printing, range checks and the calendar accessors
 * (`getHours('Europe/Paris')`), which read wall-clock fields through `Intl` in an IANA zone or a
 * fixed `±HH:MM` offset.
 */
import { Duration, EvaluationError, Timestamp } from "./values.js";
import { type WallFields, wallFields, zoneFormatter } from "../zone-wall-clock.js";

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, CEL's timestamp range. */
const MIN_TS = BigInt(utcMs(1, 1, 1) ?? 0) * NS_PER_MS;
const MAX_TS = (BigInt(Date.UTC(9999, 11, 31, 23, 59, 59)) / 1000n + 1n) * NS_PER_S - 1n;
/** cel-go holds a duration as Go's time.Duration: int64 nanoseconds, about ±292 years. */
const MAX_DURATION = 2n ** 63n - 1n;

export function timestamp(ns: bigint): Timestamp {
  if (ns < MIN_TS || ns > MAX_TS) throw new EvaluationError("timestamp out of range");
  return new Timestamp(ns);
}

export function duration(ns: bigint): Duration {
  if (ns < -MAX_DURATION - 1n || ns > MAX_DURATION) throw new EvaluationError("duration out of range");
  return new Duration(ns);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp (`2009-02-13T23:31:30.5Z`, `...+01:00`), or undefined. */
export function parseRfc3339(s: string): Timestamp | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac = "", zone = "Z"] = m;
  const fields = [y, mo, d, h, mi, sec].map(Number) as [number, number, number, number, number, number];
  const wall = utcMs(...fields);
  if (wall === undefined) return undefined;
  const offsetMin = zone === "Z" || zone === "z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const ns = BigInt(wall - offsetMin * 60_000) * NS_PER_MS + BigInt(frac.padEnd(9, "0"));
  return timestamp(ns);
}

/** Epoch ms of a UTC wall time, or undefined when a field is out of its range (Feb 30). */
export function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const ok = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi;
  return ok && s < 60 ? date.getTime() : undefined;
}

/** RFC 3339 with as many fractional digits as needed, as CEL's `string(timestamp)`. */
export function formatTimestamp(t: Timestamp): string {
  const ms = floorDiv(t.ns, NS_PER_S) * 1000n;
  const frac = t.ns - ms * NS_PER_MS;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const digits = frac === 0n ? "" : `.${frac.toString().padStart(9, "0").replace(/0+$/, "")}`;
  return `${base}${digits}Z`;
}

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: NS_PER_MS,
  s: NS_PER_S,
  m: 60n * NS_PER_S,
  h: 3600n * NS_PER_S,
};
/** Inngest's now_plus()/now_minus() also take days and weeks (go-str2duration). */
const LONG_UNIT_NS: Readonly<Record<string, bigint>> = { ...UNIT_NS, d: 86_400n * NS_PER_S, w: 7n * 86_400n * NS_PER_S };

/** A Go-style duration (`1h30m`, `-1.5s`, `0`); `long` also accepts `d` and `w`. Undefined when malformed. */
export function parseGoDuration(s: string, long = false): bigint | undefined {
  const units = long ? LONG_UNIT_NS : UNIT_NS;
  const m = /^([+-]?)(.*)$/.exec(s);
  const body = m?.[2] ?? "";
  if (body === "0") return 0n;
  if (body === "") return undefined;
  let total = 0n;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/y;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    const unit = p ? units[p[2]!] : undefined;
    if (!p || unit === undefined) return undefined;
    const [whole = "", frac = ""] = p[1]!.split(".");
    total += BigInt(whole || "0") * unit;
    if (frac !== "") total += (BigInt(frac.slice(0, 18).padEnd(18, "0")) * unit) / 10n ** 18n;
    at = part.lastIndex;
  }
  return m?.[1] === "-" ? -total : total;
}

/** `1.5s`, `3600s`: seconds with the fraction CEL prints. */
export function formatDuration(d: Duration): string {
  const neg = d.ns < 0n;
  const abs = neg ? -d.ns : d.ns;
  const frac = abs % NS_PER_S;
  const digits = frac === 0n ? "" : `.${frac.toString().padStart(9, "0").replace(/0+$/, "")}`;
  return `${neg ? "-" : ""}${abs / NS_PER_S}${digits}s`;
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Wall-clock fields as CEL's accessors read them: `month` 0-11, `weekday` 0 (Sunday)-6. */
interface Wall extends WallFields {
  weekday: number;
}

function zoneFormat(zone: string): Intl.DateTimeFormat {
  try {
    return zoneFormatter(zone);
  } catch {
    throw new EvaluationError(`unknown time zone ${JSON.stringify(zone)}`);
  }
}

/** The wall-clock fields of `t` in `zone` (an IANA name, `UTC`, or a fixed `[+-]HH:MM` offset). */
function wallClock(t: Timestamp, zone: string | undefined): Wall {
  const ms = Number(floorDiv(t.ns, NS_PER_MS));
  const fixed = zone === undefined ? 0 : fixedOffsetMinutes(zone);
  if (fixed !== undefined) {
    const d = new Date(ms + fixed * 60_000);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth(),
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
    };
  }
  const w = wallFields(zoneFormat(zone ?? "UTC"), ms);
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  return { ...w, month: w.month - 1, weekday: d.getUTCDay() };
}

function fixedOffsetMinutes(zone: string): number | undefined {
  const m = /^([+-]?)(\d{2}):(\d{2})$/.exec(zone);
  if (!m) return zone === "UTC" || zone === "Z" ? 0 : undefined;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** A timestamp accessor: `getFullYear`, `getMonth` (0-based), `getDate` (1-based), ... */
export function timestampField(name: string, t: Timestamp, zone: string | undefined): bigint {
  const w = wallClock(t, zone);
  switch (name) {
    case "getFullYear":
      return BigInt(w.year);
    case "getMonth":
      return BigInt(w.month);
    case "getDate":
      return BigInt(w.day);
    case "getDayOfMonth":
      return BigInt(w.day - 1);
    case "getDayOfWeek":
      return BigInt(w.weekday);
    case "getDayOfYear": {
      const start = new Date(0);
      start.setUTCFullYear(w.year, 0, 1);
      const here = new Date(0);
      here.setUTCFullYear(w.year, w.month, w.day);
      return BigInt(Math.round((here.getTime() - start.getTime()) / 86_400_000));
    }
    case "getHours":
      return BigInt(w.hour);
    case "getMinutes":
      return BigInt(w.minute);
    case "getSeconds":
      return BigInt(w.second);
    case "getMilliseconds":
      return (((t.ns % NS_PER_S) + NS_PER_S) % NS_PER_S) / NS_PER_MS;
  }
  throw new EvaluationError(`no such function: timestamp.${name}`);
}

/** A duration accessor: whole hours, minutes or seconds, or the milliseconds part of the second. */
export function durationField(name: string, d: Duration): bigint {
  switch (name) {
    case "getHours":
      return d.ns / (3600n * NS_PER_S);
    case "getMinutes":
      return d.ns / (60n * NS_PER_S);
    case "getSeconds":
      return d.ns / NS_PER_S;
    case "getMilliseconds":
      return (d.ns % NS_PER_S) / NS_PER_MS;
  }
  throw new EvaluationError(`no such function: duration.${name}`);
}

export const TIMESTAMP_FIELDS = new Set([
  "getFullYear",
  "getMonth",
  "getDate",
  "getDayOfMonth",
  "getDayOfWeek",
  "getDayOfYear",
  "getHours",
  "getMinutes",
  "getSeconds",
  "getMilliseconds",
]);
export const DURATION_FIELDS = new Set(["getHours", "getMinutes", "getSeconds", "getMilliseconds"]);

export function timestampFromMs(ms: number): Timestamp {
  return timestamp(BigInt(Math.trunc(ms)) * NS_PER_MS);
}

export { NS_PER_MS, NS_PER_S };
