/**
 * Wall-clock time in an IANA zone through `Intl` (no tz database of our own), shared by CEL's
 * timestamp accessors and cron's zoned schedules.
 */

export interface WallFields {
  /** Astronomical year: 1 BC is 0. */
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  /** 0-23. */
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The formatter of `zone`, built once per zone (building one costs far more than using it).
 * Throws a RangeError for a zone `Intl` does not know.
 */
export function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    // Bounded: zone names can come from user expressions.
    if (formatters.size > 500) formatters.clear();
    formatters.set(zone, format);
  }
  return format;
}

/** The wall-clock fields of the instant `ms` (epoch milliseconds) as `format` (a `zoneFormatter`) shows it. */
export function wallFields(format: Intl.DateTimeFormat, ms: number): WallFields {
  const p: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) p[part.type] = part.value;
  const year = p.era === "BC" ? 1 - Number(p.year) : Number(p.year);
  return { year, month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second) };
}
