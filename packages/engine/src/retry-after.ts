const minMs = 1000;
const maxMs = 24 * 3600_000;

/** A `Retry-After` value (integer seconds or a date), as milliseconds clamped to 1 s – 24 h. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(maxMs, Math.max(minMs, ms));
}
