import { formatDuration, parseDuration } from "@weft/core";
import type { TimeInput } from "./types.js";

const isoDate = /^\d{4}-\d{2}-\d{2}/;

/**
 * The wire form of a time: milliseconds and duration strings become a `w d h m s` time string
 * (`"1h30m"`, sub-second rounds up to `"1s"`), dates and date strings become ISO strings.
 */
export function timeStr(input: TimeInput): string {
  if (input instanceof Date) return isoString(input);
  if (typeof input === "number") return formatDuration(input);
  if (isoDate.test(input.trim())) return isoString(input);
  return formatDuration(parseDuration(input));
}

/** An ISO string for a Date, a date string or epoch milliseconds; throws on an invalid date. */
export function isoString(input: Date | string | number): string {
  const date = input instanceof Date ? input : new Date(input);
  if (Number.isNaN(date.getTime())) throw new Error(`Weft: "${String(input)}" is not a valid date`);
  return date.toISOString();
}
