/**
 * Inngest's `date(x)`: a timestamp from a string in one of the layouts its dateutil package tries
 * (RFC 3339, `2006-01-02T15:04:05`, RFC 1123, RFC 822 and 822Z, RFC 850, Ruby, Unix and ANSI C
 * dates, `2006-01-02`), or from a number of Unix seconds, milliseconds or nanoseconds told apart by
 * size (numbers before the year 2000 are refused). Go reads an unknown zone abbreviation as UTC, and
 * so does this. One deliberate difference: a JSON number (a double) is accepted when it is whole,
 * since every number in an event is one; Inngest only converts ints.
 */
import { NS_PER_MS, NS_PER_S, parseRfc3339, timestamp, utcMs } from "./time-values.js";
import { EvaluationError, type Timestamp, typeName } from "./values.js";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*";
const MON = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const CLOCK = "(\\d{2}):(\\d{2})(?::(\\d{2}))?";
const ZONE = "([A-Z]{3,4}|[+-]\\d{4})";

interface Layout {
  readonly re: RegExp;
  /** Group numbers of year, month name, day, hour, minute, second, zone (0 = absent). */
  readonly at: readonly [number, number, number, number, number, number, number];
}

const LAYOUTS: readonly Layout[] = [
  // RFC 1123: Mon, 02 Jan 2006 15:04:05 MST
  { re: new RegExp(`^${DAY}, (\\d{2}) ${MON} (\\d{4}) ${CLOCK} ${ZONE}$`), at: [3, 2, 1, 4, 5, 6, 7] },
  // RFC 822(Z): 02 Jan 06 15:04 MST / -0700
  { re: new RegExp(`^(\\d{2}) ${MON} (\\d{2}) ${CLOCK} ${ZONE}$`), at: [3, 2, 1, 4, 5, 6, 7] },
  // RFC 850: Monday, 02-Jan-06 15:04:05 MST
  { re: new RegExp(`^${DAY}, (\\d{2})-${MON}-(\\d{2}) ${CLOCK} ${ZONE}$`), at: [3, 2, 1, 4, 5, 6, 7] },
  // Ruby: Mon Jan 02 15:04:05 -0700 2006
  { re: new RegExp(`^${DAY} ${MON} (\\d{2}) ${CLOCK} ${ZONE} (\\d{4})$`), at: [7, 1, 2, 3, 4, 5, 6] },
  // Unix: Mon Jan _2 15:04:05 MST 2006
  { re: new RegExp(`^${DAY} ${MON} {1,2}(\\d{1,2}) ${CLOCK} ${ZONE} (\\d{4})$`), at: [7, 1, 2, 3, 4, 5, 6] },
  // ANSI C: Mon Jan _2 15:04:05 2006
  { re: new RegExp(`^${DAY} ${MON} {1,2}(\\d{1,2}) ${CLOCK} (\\d{4})$`), at: [6, 1, 2, 3, 4, 5, 0] },
];

export function parseInngestDate(x: unknown): Timestamp {
  if (typeof x === "string") {
    const t = parseDateString(x);
    if (t) return t;
    throw new EvaluationError(`date(): unknown date format ${JSON.stringify(x)}`);
  }
  if (typeof x === "bigint" || (typeof x === "number" && Number.isInteger(x))) return fromUnixNumber(BigInt(x));
  throw new EvaluationError(`no such overload: date(${typeName(x)})`);
}

function fromUnixNumber(n: bigint): Timestamp {
  if (n < 946_684_800n) throw new EvaluationError(`date(): ${n} is before 2000, not read as a Unix time`);
  if (n < 9_999_999_999n) return timestamp(n * NS_PER_S);
  if (n < 9_999_999_999_999n) return timestamp(n * NS_PER_MS);
  return timestamp(n);
}

function parseDateString(s: string): Timestamp | undefined {
  const rfc = parseRfc3339(s);
  if (rfc) return rfc;
  const naive = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?$/.exec(s);
  if (naive) {
    const [y, mo, d, h = "0", mi = "0", sec = "0"] = naive.slice(1);
    return fromWall(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec), 0);
  }
  for (const { re, at } of LAYOUTS) {
    const m = re.exec(s);
    if (!m) continue;
    const g = (i: number) => (i === 0 ? undefined : m[i]);
    let year = Number(g(at[0]));
    if (year < 100) year += year < 69 ? 2000 : 1900; // Go's two-digit years.
    const month = MONTHS.indexOf((g(at[1]) ?? "").toLowerCase()) + 1;
    return fromWall(year, month, Number(g(at[2])), Number(g(at[3])), Number(g(at[4])), Number(g(at[5]) ?? 0), zoneOffset(g(at[6])));
  }
  return undefined;
}

/** Minutes east of UTC for `-0700`; zone abbreviations count as UTC, as Go reads unknown ones. */
function zoneOffset(zone: string | undefined): number {
  const m = zone ? /^([+-])(\d{2})(\d{2})$/.exec(zone) : null;
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function fromWall(y: number, mo: number, d: number, h: number, mi: number, s: number, offsetMin: number): Timestamp | undefined {
  const ms = utcMs(y, mo, d, h, mi, s);
  return ms === undefined ? undefined : timestamp(BigInt(ms - offsetMin * 60_000) * NS_PER_MS);
}
