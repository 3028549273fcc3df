import { InvalidInputError } from "./errors.js";
import { parseGoDuration } from "./expression/time-values.js";
import { wallFields, zoneFormatter } from "./zone-wall-clock.js";

/**
 * A parsed cron schedule. Fields are matched against wall-clock time in `timeZone`, so
 * `TZ=Europe/Paris 0 9 * * *` fires at 09:00 Paris time whatever the UTC offset that day.
 */
export interface CronSchedule {
  /** The expression as given (trimmed). */
  readonly expression: string;
  /** The IANA zone the fields are read in, as `Intl` spells it; `"UTC"` when none was given. */
  readonly timeZone: string;
  /**
   * The first minute boundary strictly after `after` (epoch ms) whose wall-clock time matches.
   * Around DST changes (docs/cron.md):
   * - spring gap: a wall-clock time the zone skips does not fire that day (as robfig/cron, the
   *   parser Inngest uses, skips it): `30 2 * * *` in Europe/Paris skips the last Sunday of March;
   * - autumn repeat: an interval schedule (minute or hour field starting with `*`, as Vixie cron
   *   tells them apart) fires on both passes of the repeated hour, so `*\/15 * * * *` keeps firing
   *   every 15 minutes; a fixed-time schedule (`30 2 * * *`) fires once, at the first pass.
   * `@every <duration>` fires at the multiples of the duration since the Unix epoch, so every
   * process computes the same ticks. Throws `InvalidInputError` if nothing matches within
   * `searchYears` (only possible when every matching time falls in a zone's gaps).
   */
  next(after: number): number;
}

const minuteMs = 60_000;
const dayMs = 24 * 3600_000;
/**
 * How far `next` looks before giving up. Not 5 years: `0 0 29 2 *` waits 8 years from 2096-02-29
 * to 2104-02-29 (2100 is not a leap year). Schedules that can never match are refused by
 * `parseCron`, so this bound only guards pathological zone data.
 */
const searchYears = 10;
/** The latest `after` whose whole search stays inside the range `Date` can represent. */
const maxAfter = 8.64e15 - (searchYears + 1) * 366 * dayMs;

const macros: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names for values, lowest value first (`JAN` = 1, `SUN` = 0). */
  names?: readonly string[];
  /** The highest value `*` and `N/step` reach, when not `max` (day-of-week stops at 6). */
  last?: number;
  /** Day fields accept `?` (robfig/Quartz: "no specific value") as a synonym for `*`. */
  question?: boolean;
}

const fieldSpecs: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  // 7 is accepted as Sunday and folded onto 0 after parsing.
  {
    name: "day-of-week",
    min: 0,
    max: 7,
    last: 6,
    names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    question: true,
  },
];

/** Days in each month in the longest year, so Feb 29 counts as possible. */
const maxMonthDays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

interface ParsedField {
  /** `allowed[v]` for every value `v` of the field's range. */
  allowed: boolean[];
  /**
   * The field was `*` (or `?`) without a step above 1. Decides the day-of-month / day-of-week
   * rule as robfig/cron (the parser Inngest uses) does: `*\/2` counts as a restriction.
   */
  star: boolean;
}

/**
 * Parse a 5-field cron expression (minute hour day-of-month month day-of-week), optionally
 * prefixed with `TZ=Area/City ` or `CRON_TZ=Area/City `, or one of the `@yearly`-style macros, or
 * `@every <duration>`: what robfig/cron v3 (Inngest's parser) accepts with its descriptors.
 * `L`, `W` and `#` are refused, as that parser refuses them. Throws `InvalidInputError` naming
 * the problem.
 */
export function parseCron(expression: string): CronSchedule {
  const text = expression.trim();
  const fail = (problem: string): never => {
    throw new InvalidInputError(`cron "${text}": ${problem}`);
  };
  if (text === "") fail("the expression is empty");

  let body = text;
  let timeZone = "UTC";
  let zoned = false;
  const tz = /^(?:CRON_)?TZ=(\S*)([\s\S]*)$/.exec(text);
  if (tz) {
    const zone = tz[1] ?? "";
    body = (tz[2] ?? "").trim();
    if (zone === "") fail("the time zone after TZ= is empty");
    const resolved = resolveTimeZone(zone);
    if (resolved === undefined) fail(`unknown time zone "${zone}"`);
    timeZone = resolved ?? "UTC";
    zoned = timeZone !== "UTC";
    if (body === "") fail("no schedule after the time zone");
  }

  const every = /^@every\s+(\S+)$/i.exec(body);
  if (every) return everySchedule(text, timeZone, every[1] ?? "", fail);
  if (body.startsWith("@")) {
    const macro = macros[body.toLowerCase()];
    if (macro === undefined) fail(`unknown macro ${body} (use ${Object.keys(macros).join(", ")} or @every <duration>)`);
    body = macro ?? "";
  }

  const texts = body.split(/\s+/);
  if (texts.length !== fieldSpecs.length) {
    fail(`expected 5 fields (minute hour day-of-month month day-of-week), got ${texts.length}`);
  }
  const quartz = texts.find((t) =>
    /[LW#]/i.test(
      t.replace(/[A-Za-z]{3}/g, (name) => (/^(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)$/i.test(name) ? "" : name)),
    ),
  );
  if (quartz !== undefined) {
    fail(`"${quartz}": L, W and # (Quartz extensions) are not supported, as robfig/cron (the parser Inngest uses) does not support them`);
  }
  const fields = fieldSpecs.map((spec, i) => parseField(texts[i] ?? "", spec, fail));
  const [minute, hour, dom, month, dow] = fields as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];
  if (dow.allowed[7]) dow.allowed[0] = true;
  dow.allowed.length = 7;

  // Only day-of-month alone can be impossible: with day-of-week in play some weekday always comes.
  if (!dom.star && dow.star) {
    const possible = month.allowed.some((ok, m) => ok && dom.allowed.some((d, day) => d && day <= (maxMonthDays[m - 1] ?? 0)));
    if (!possible) {
      const months = month.allowed.flatMap((ok, m) => (ok ? [monthNames[m - 1]] : [])).join(", ");
      fail(`day-of-month "${texts[2]}" never occurs in ${months}`);
    }
  }

  return new Schedule(text, timeZone, zoned ? new ZoneClock(timeZone) : undefined, {
    minutes: nextAllowed(minute.allowed),
    hours: nextAllowed(hour.allowed),
    dom: dom.allowed,
    month: month.allowed,
    dow: dow.allowed,
    // Standard cron: when both day fields are restricted, a day matching either one fires.
    dayEither: !dom.star && !dow.star,
    interval: (texts[0] ?? "").startsWith("*") || (texts[1] ?? "").startsWith("*"),
  });
}

/**
 * `@every 1h30m`: robfig/cron's constant-delay schedule (whole seconds, at least one). robfig counts
 * from when the job was added; here ticks fall on multiples of the delay since the Unix epoch, so
 * that every engine process (and every restart) schedules the same tick ids.
 */
function everySchedule(text: string, timeZone: string, duration: string, fail: (problem: string) => never): CronSchedule {
  const ns = parseGoDuration(duration);
  if (ns === undefined || ns < 0n) fail(`"@every ${duration}": the duration must look like 30s, 5m or 1h30m`);
  const delay = Math.max(1000, Number((ns ?? 0n) / 1_000_000_000n) * 1000);
  return {
    expression: text,
    timeZone,
    next(after: number): number {
      if (!Number.isFinite(after) || Math.abs(after) > maxAfter) {
        throw new InvalidInputError(`cron "${text}": next() needs epoch milliseconds, got ${after}`);
      }
      return Math.floor(after / delay) * delay + delay;
    },
  };
}

function resolveTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function parseField(text: string, spec: FieldSpec, fail: (problem: string) => never): ParsedField {
  const allowed: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  let star = false;
  for (const item of text.split(",")) {
    if (item === "") fail(`${spec.name} "${text}" has an empty list item`);
    const [range = "", stepText, ...extra] = item.split("/");
    if (extra.length > 0) fail(`${spec.name} "${item}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) fail(`${spec.name} step "${stepText}" is not a number`);
      step = Number(stepText);
      if (step === 0) fail(`${spec.name} step must be at least 1`);
    }
    let low: number;
    let high: number;
    if (range === "*" || (range === "?" && spec.question)) {
      low = spec.min;
      high = spec.last ?? spec.max;
      if (step === 1) star = true;
    } else {
      if (!/^[^-]+(-[^-]+)?$/.test(range)) fail(`${spec.name} "${range}" is not a value or a range`);
      const [first = "", second] = range.split("-");
      low = parseValue(first, spec, fail);
      // `N/step` means N through the end of the range, as in robfig/cron.
      high = second !== undefined ? parseValue(second, spec, fail) : stepText !== undefined ? (spec.last ?? spec.max) : low;
      if (low > high) fail(`${spec.name} range ${range} runs backwards`);
    }
    for (let v = low; v <= high; v += step) allowed[v] = true;
  }
  return { allowed, star };
}

function parseValue(text: string, spec: FieldSpec, fail: (problem: string) => never): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) fail(`${spec.name} ${text} is out of range ${spec.min}-${spec.max}`);
    return value;
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index < 0) fail(`${spec.name} "${text}" is not ${spec.names ? "a number or a name" : "a number"}`);
  return index + (spec.name === "month" ? 1 : 0);
}

/** `table[v]` is the first allowed value at or after `v`, or -1: lets `next` jump, not step. */
function nextAllowed(allowed: readonly boolean[]): number[] {
  const table = new Array<number>(allowed.length).fill(-1);
  let next = -1;
  for (let v = allowed.length - 1; v >= 0; v--) {
    if (allowed[v]) next = v;
    table[v] = next;
  }
  return table;
}

interface Matcher {
  minutes: number[];
  hours: number[];
  dom: boolean[];
  month: boolean[];
  dow: boolean[];
  dayEither: boolean;
  /** Fires on both passes of a repeated (autumn) hour; see CronSchedule.next. */
  interval: boolean;
}

class Schedule implements CronSchedule {
  constructor(
    readonly expression: string,
    readonly timeZone: string,
    /** Undefined for UTC, where wall-clock time and epoch time are the same number. */
    private readonly clock: ZoneClock | undefined,
    private readonly m: Matcher,
  ) {}

  next(after: number): number {
    if (!Number.isFinite(after) || Math.abs(after) > maxAfter) {
      throw new InvalidInputError(`cron "${this.expression}": next() needs epoch milliseconds, got ${after}`);
    }
    // The search runs over wall-clock times written as if they were UTC ("wall ms"), then maps a
    // match back to instants; a match in a DST gap has no instant and the search goes on.
    const clock = this.clock;
    if (!clock) return this.nextUtc(after);
    // An interval schedule may still fire in a repeated hour whose wall clock is behind `after`'s:
    // when the offset drops soon, the search starts that much earlier on the wall clock.
    const wallAfter = this.m.interval ? after + Math.min(clock.offset(after), clock.offset(after + 3 * 3600_000)) : clock.wall(after);
    let from = Math.floor(wallAfter / minuteMs) * minuteMs + minuteMs;
    const limit = from + searchYears * 366 * dayMs;
    let best: number | undefined;
    let stopAt = Number.POSITIVE_INFINITY;
    for (;;) {
      const wall = this.nextWall(from, Math.min(limit, stopAt));
      if (wall === undefined || wall >= stopAt) {
        if (best !== undefined) return best;
        throw new InvalidInputError(`cron "${this.expression}": no matching time within ${searchYears} years after ${new Date(after).toISOString()}`);
      }
      // A fixed-time schedule fires at the first pass of a repeated time only: once that instant
      // is past, the time already fired and is not fired again.
      const instants = clock.instants(wall);
      for (const at of this.m.interval ? instants : instants.slice(0, 1)) {
        if (at > after && (best === undefined || at < best)) {
          best = at;
          // In a repeated hour later wall times can have earlier instants: keep looking as far
          // on the wall clock as the offset drops there; with no drop the first match is the answer.
          const drop = clock.offset(at - 3 * 3600_000) - clock.offset(at + 3 * 3600_000);
          if (drop <= 0) return at;
          stopAt = wall + drop;
        }
      }
      from = wall + minuteMs;
    }
  }

  private nextUtc(after: number): number {
    const from = Math.floor(after / minuteMs) * minuteMs + minuteMs;
    const wall = this.nextWall(from, from + searchYears * 366 * dayMs);
    if (wall === undefined) {
      throw new InvalidInputError(`cron "${this.expression}": no matching time within ${searchYears} years after ${new Date(after).toISOString()}`);
    }
    return wall;
  }

  /** The first matching wall-clock minute at or after `from`, skipping whole months/days/hours. */
  private nextWall(from: number, limit: number): number | undefined {
    let t = from;
    while (t <= limit) {
      const d = new Date(t);
      const year = d.getUTCFullYear();
      const month = d.getUTCMonth();
      const day = d.getUTCDate();
      if (!this.m.month[month + 1]) {
        t = Date.UTC(year, month + 1, 1);
        continue;
      }
      if (!this.dayMatches(day, d.getUTCDay())) {
        t = Date.UTC(year, month, day + 1);
        continue;
      }
      const hour = d.getUTCHours();
      const nextHour = this.m.hours[hour] ?? -1;
      if (nextHour < 0) {
        t = Date.UTC(year, month, day + 1);
        continue;
      }
      if (nextHour !== hour) {
        t = Date.UTC(year, month, day, nextHour);
        continue;
      }
      const nextMinute = this.m.minutes[d.getUTCMinutes()] ?? -1;
      if (nextMinute < 0) {
        t = Date.UTC(year, month, day, hour + 1);
        continue;
      }
      return Date.UTC(year, month, day, hour, nextMinute);
    }
    return undefined;
  }

  private dayMatches(day: number, weekday: number): boolean {
    const domOk = this.m.dom[day] === true;
    const dowOk = this.m.dow[weekday] === true;
    return this.m.dayEither ? domOk || dowOk : domOk && dowOk;
  }
}

/** Wall-clock arithmetic in one IANA zone, through `Intl` (no tz database of our own). */
class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.format = zoneFormatter(timeZone);
  }

  /** The zone's wall-clock time at instant `t`, as wall ms. */
  wall(t: number): number {
    return t + this.offset(t);
  }

  /**
   * The instants whose wall-clock time is `wall`, earliest first: none when DST skips it, two
   * when DST repeats it. Offsets are sampled a day either side, so both sides of any nearby
   * transition are tried; when all three agree there is no transition near and the one
   * candidate needs no check.
   */
  instants(wall: number): number[] {
    const offsets = new Set([this.offset(wall - dayMs), this.offset(wall), this.offset(wall + dayMs)]);
    const out: number[] = [];
    for (const offset of offsets) {
      const t = wall - offset;
      if ((offsets.size === 1 || this.wall(t) === wall) && !out.includes(t)) out.push(t);
    }
    return out.sort((a, b) => a - b);
  }

  /** Wall ms minus epoch ms at `t` (whole seconds; historical offsets can have seconds). */
  offset(t: number): number {
    const seconds = Math.floor(t / 1000) * 1000;
    const w = wallFields(this.format, seconds);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - seconds;
  }
}
