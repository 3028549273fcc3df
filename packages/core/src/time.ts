import { InvalidInputError } from "./errors.js";

const unitMs: Record<string, number> = {
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001,
};

const part = /(\d+(?:\.\d+)?)(ms|us|µs|ns|w|d|h|m|s)/gy;

/** Milliseconds in a time string like `"1h30m"`, `"24h"`, `"500ms"`, `"1.5s"`. `""` is 0. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === "") return 0;
  if (/^\d+$/.test(s)) return Number(s) * 1000; // bare seconds
  part.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(s); m; m = part.exec(s)) {
    total += Number(m[1]) * (unitMs[m[2] ?? ""] ?? 0);
    consumed = part.lastIndex;
  }
  if (consumed !== s.length) throw new InvalidInputError(`"${text}" is not a duration (use e.g. "30s", "1h30m", "2d")`);
  return Math.round(total);
}

/** A time string from an SDK op: a duration from `now`, or an absolute ISO / RFC 3339 date. */
export function resolveTime(text: string, now: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new InvalidInputError(`"${text}" is not a valid date`);
    return at;
  }
  return now + parseDuration(text);
}

/** The inverse, for SDKs: a Weft/Inngest time string (`w d h m s`) for a millisecond count. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  let rest = Math.ceil(ms / 1000);
  let out = "";
  for (const [unit, secs] of [
    ["w", 604800],
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / secs);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * secs;
  }
  return out;
}
