import { describe, expect, it } from "vitest";
import { parseCron } from "./cron.js";
import { InvalidInputError } from "./errors.js";

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** The next `count` firings after `from`, as ISO strings. */
function firings(expression: string, from: string, count: number): string[] {
  const schedule = parseCron(expression);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    out.push(iso(t));
  }
  return out;
}

function parseError(expression: string): string {
  try {
    parseCron(expression);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as Error).message;
  }
  throw new Error(`parseCron(${JSON.stringify(expression)}) did not throw`);
}

describe("parseCron syntax", () => {
  it("`*` fires every minute, at minute boundaries strictly after the given time", () => {
    expect(firings("* * * * *", "2026-04-01T10:00:00.000Z", 3)).toEqual(["2026-04-01T10:01:00.000Z", "2026-04-01T10:02:00.000Z", "2026-04-01T10:03:00.000Z"]);
    expect(firings("* * * * *", "2026-04-01T10:00:59.999Z", 1)).toEqual(["2026-04-01T10:01:00.000Z"]);
    expect(firings("* * * * *", "2026-04-01T09:59:00.001Z", 1)).toEqual(["2026-04-01T10:00:00.000Z"]);
  });

  it("reads lists and ranges", () => {
    expect(firings("5,35 * * * *", "2026-04-01T10:00:00Z", 3)).toEqual(["2026-04-01T10:05:00.000Z", "2026-04-01T10:35:00.000Z", "2026-04-01T11:05:00.000Z"]);
    expect(firings("0 9-11 * * *", "2026-04-01T00:00:00Z", 4)).toEqual([
      "2026-04-01T09:00:00.000Z",
      "2026-04-01T10:00:00.000Z",
      "2026-04-01T11:00:00.000Z",
      "2026-04-02T09:00:00.000Z",
    ]);
    expect(firings("0 1,3-4,22 * * *", "2026-04-01T00:00:00Z", 5)).toEqual([
      "2026-04-01T01:00:00.000Z",
      "2026-04-01T03:00:00.000Z",
      "2026-04-01T04:00:00.000Z",
      "2026-04-01T22:00:00.000Z",
      "2026-04-02T01:00:00.000Z",
    ]);
  });

  it("reads steps over `*`, over ranges and from a start value", () => {
    expect(firings("*/15 * * * *", "2026-04-01T10:00:00Z", 5)).toEqual([
      "2026-04-01T10:15:00.000Z",
      "2026-04-01T10:30:00.000Z",
      "2026-04-01T10:45:00.000Z",
      "2026-04-01T11:00:00.000Z",
      "2026-04-01T11:15:00.000Z",
    ]);
    expect(firings("10-50/10 * * * *", "2026-04-01T10:00:00Z", 6)).toEqual([
      "2026-04-01T10:10:00.000Z",
      "2026-04-01T10:20:00.000Z",
      "2026-04-01T10:30:00.000Z",
      "2026-04-01T10:40:00.000Z",
      "2026-04-01T10:50:00.000Z",
      "2026-04-01T11:10:00.000Z",
    ]);
    // `N/step` runs from N to the end of the field (robfig/cron).
    expect(firings("5/20 * * * *", "2026-04-01T10:00:00Z", 4)).toEqual([
      "2026-04-01T10:05:00.000Z",
      "2026-04-01T10:25:00.000Z",
      "2026-04-01T10:45:00.000Z",
      "2026-04-01T11:05:00.000Z",
    ]);
    expect(firings("0 0 */10 * *", "2026-04-01T00:00:00Z", 4)).toEqual([
      "2026-04-11T00:00:00.000Z",
      "2026-04-21T00:00:00.000Z",
      "2026-05-01T00:00:00.000Z",
      "2026-05-11T00:00:00.000Z",
    ]);
  });

  it("reads month names, case-insensitively, in lists and ranges", () => {
    expect(firings("0 0 1 jan,Jul *", "2026-02-01T00:00:00Z", 2)).toEqual(["2026-07-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
    expect(firings("0 0 1 MAR-may *", "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-03-01T00:00:00.000Z",
      "2026-04-01T00:00:00.000Z",
      "2026-05-01T00:00:00.000Z",
      "2027-03-01T00:00:00.000Z",
    ]);
  });

  it("reads day names, case-insensitively, and 7 as Sunday", () => {
    // 2026-04-03 is a Friday.
    expect(firings("0 0 * * mon-FRI", "2026-04-03T12:00:00Z", 2)).toEqual(["2026-04-06T00:00:00.000Z", "2026-04-07T00:00:00.000Z"]);
    const sunday = ["2026-04-05T12:00:00.000Z", "2026-04-12T12:00:00.000Z"];
    expect(firings("0 12 * * 0", "2026-04-01T00:00:00Z", 2)).toEqual(sunday);
    expect(firings("0 12 * * 7", "2026-04-01T00:00:00Z", 2)).toEqual(sunday);
    expect(firings("0 12 * * sun", "2026-04-01T00:00:00Z", 2)).toEqual(sunday);
    expect(firings("0 0 * * 5-7", "2026-04-01T00:00:00Z", 4)).toEqual([
      "2026-04-03T00:00:00.000Z",
      "2026-04-04T00:00:00.000Z",
      "2026-04-05T00:00:00.000Z",
      "2026-04-10T00:00:00.000Z",
    ]);
    // A step over `*` stops at Saturday rather than folding 7 onto Sunday.
    expect(firings("0 0 * * 1/2", "2026-04-04T12:00:00Z", 4)).toEqual([
      "2026-04-06T00:00:00.000Z",
      "2026-04-08T00:00:00.000Z",
      "2026-04-10T00:00:00.000Z",
      "2026-04-13T00:00:00.000Z",
    ]);
  });

  it("accepts `?` for `*` in the day fields", () => {
    expect(firings("0 0 ? * MON", "2026-04-01T00:00:00Z", 2)).toEqual(firings("0 0 * * MON", "2026-04-01T00:00:00Z", 2));
    expect(firings("0 0 13 * ?", "2026-04-01T00:00:00Z", 2)).toEqual(["2026-04-13T00:00:00.000Z", "2026-05-13T00:00:00.000Z"]);
  });

  it("expands the macros, case-insensitively", () => {
    const from = "2026-06-01T10:20:00Z"; // a Monday
    expect(firings("@yearly", from, 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(firings("@annually", from, 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(firings("@monthly", from, 1)).toEqual(["2026-07-01T00:00:00.000Z"]);
    expect(firings("@weekly", from, 1)).toEqual(["2026-06-07T00:00:00.000Z"]);
    expect(firings("@daily", from, 1)).toEqual(["2026-06-02T00:00:00.000Z"]);
    expect(firings("@midnight", from, 1)).toEqual(["2026-06-02T00:00:00.000Z"]);
    expect(firings("@hourly", from, 2)).toEqual(["2026-06-01T11:00:00.000Z", "2026-06-01T12:00:00.000Z"]);
    expect(firings("@DAILY", from, 1)).toEqual(["2026-06-02T00:00:00.000Z"]);
  });

  it("reads a TZ= or CRON_TZ= prefix, also before a macro, and tolerates extra whitespace", () => {
    expect(parseCron("0 9 * * *").timeZone).toBe("UTC");
    expect(parseCron("TZ=Europe/Paris 0 9 * * *").timeZone).toBe("Europe/Paris");
    expect(parseCron("CRON_TZ=America/New_York 0 9 * * *").timeZone).toBe("America/New_York");
    expect(parseCron("  TZ=Asia/Tokyo   0  9 *\t* *  ").expression).toBe("TZ=Asia/Tokyo   0  9 *\t* *");
    // 00:00 in Tokyo (UTC+9, no DST) is 15:00Z the day before.
    expect(firings("TZ=Asia/Tokyo @daily", "2026-06-01T00:00:00Z", 1)).toEqual(["2026-06-01T15:00:00.000Z"]);
    // India is UTC+5:30: a half-hour offset still lands on minute boundaries.
    expect(firings("TZ=Asia/Kolkata 0 9 * * *", "2026-06-01T00:00:00Z", 1)).toEqual(["2026-06-01T03:30:00.000Z"]);
  });
});

describe("parseCron errors", () => {
  it("names the field, the value and the range", () => {
    expect(parseError("61 * * * *")).toBe('cron "61 * * * *": minute 61 is out of range 0-59');
    expect(parseError("* 24 * * *")).toBe('cron "* 24 * * *": hour 24 is out of range 0-23');
    expect(parseError("* * 0 * *")).toBe('cron "* * 0 * *": day-of-month 0 is out of range 1-31');
    expect(parseError("* * 32 * *")).toBe('cron "* * 32 * *": day-of-month 32 is out of range 1-31');
    expect(parseError("* * * 13 *")).toBe('cron "* * * 13 *": month 13 is out of range 1-12');
    expect(parseError("* * * * 8")).toBe('cron "* * * * 8": day-of-week 8 is out of range 0-7');
    expect(parseError("0-60 * * * *")).toBe('cron "0-60 * * * *": minute 60 is out of range 0-59');
  });

  it("refuses malformed fields", () => {
    expect(parseError("")).toBe('cron "": the expression is empty');
    expect(parseError("* * * *")).toBe('cron "* * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4');
    expect(parseError("0 * * * * *")).toMatch(/expected 5 fields .*got 6$/);
    expect(parseError("*/0 * * * *")).toBe('cron "*/0 * * * *": minute step must be at least 1');
    expect(parseError("*/x * * * *")).toBe('cron "*/x * * * *": minute step "x" is not a number');
    expect(parseError("*/5/2 * * * *")).toBe('cron "*/5/2 * * * *": minute "*/5/2" has more than one "/"');
    expect(parseError("5-1 * * * *")).toBe('cron "5-1 * * * *": minute range 5-1 runs backwards');
    expect(parseError("* * * * FRI-MON")).toBe('cron "* * * * FRI-MON": day-of-week range FRI-MON runs backwards');
    expect(parseError("1-2-3 * * * *")).toBe('cron "1-2-3 * * * *": minute "1-2-3" is not a value or a range');
    expect(parseError("-1 * * * *")).toBe('cron "-1 * * * *": minute "-1" is not a value or a range');
    expect(parseError("1,,2 * * * *")).toBe('cron "1,,2 * * * *": minute "1,,2" has an empty list item');
    expect(parseError("a * * * *")).toBe('cron "a * * * *": minute "a" is not a number');
    expect(parseError("1.5 * * * *")).toBe('cron "1.5 * * * *": minute "1.5" is not a number');
    expect(parseError("* * * FOO *")).toBe('cron "* * * FOO *": month "FOO" is not a number or a name');
    // Names belong to their own field only.
    expect(parseError("* * * MON *")).toBe('cron "* * * MON *": month "MON" is not a number or a name');
    expect(parseError("? * * * *")).toBe('cron "? * * * *": minute "?" is not a number');
  });

  it("refuses unknown macros and time zones", () => {
    expect(parseError("@every 5 minutes")).toMatch(/^cron "@every 5 minutes": unknown macro @every 5 minutes \(use @yearly, /);
    expect(parseError("@every soon")).toMatch(/the duration must look like 30s/);
    expect(parseError("@reboot")).toMatch(/unknown macro @reboot/);
    expect(parseError("TZ=Mars/Olympus 0 9 * * *")).toBe('cron "TZ=Mars/Olympus 0 9 * * *": unknown time zone "Mars/Olympus"');
    expect(parseError("TZ= 0 9 * * *")).toBe('cron "TZ= 0 9 * * *": the time zone after TZ= is empty');
    expect(parseError("TZ=Europe/Paris")).toBe('cron "TZ=Europe/Paris": no schedule after the time zone');
    expect(parseError("TZ=Europe/Paris 0 9 * *")).toMatch(/expected 5 fields .*got 4$/);
  });

  it("refuses a day of the month that never occurs, at parse time", () => {
    expect(parseError("0 0 30 2 *")).toBe('cron "0 0 30 2 *": day-of-month "30" never occurs in February');
    expect(parseError("0 0 31 4,6,9,11 *")).toBe('cron "0 0 31 4,6,9,11 *": day-of-month "31" never occurs in April, June, September, November');
    // With day-of-week also restricted, either may match, so these are possible.
    expect(firings("0 0 30 2 MON", "2026-02-01T00:00:00Z", 1)).toEqual(["2026-02-02T00:00:00.000Z"]);
    expect(firings("0 0 31 4,5 *", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-05-31T00:00:00.000Z"]);
  });

  it("refuses a `next` time that is not epoch milliseconds", () => {
    const schedule = parseCron("* * * * *");
    expect(() => schedule.next(Number.NaN)).toThrow(InvalidInputError);
    expect(() => schedule.next(Number.POSITIVE_INFINITY)).toThrow(/next\(\) needs epoch milliseconds/);
  });
});

describe("CronSchedule.next", () => {
  it("crosses month and year boundaries", () => {
    expect(firings("0 0 1 * *", "2026-01-31T12:00:00Z", 2)).toEqual(["2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]);
    expect(firings("59 23 31 12 *", "2026-12-31T23:59:00Z", 1)).toEqual(["2027-12-31T23:59:00.000Z"]);
    expect(firings("0 0 1 1 *", "2026-12-31T23:59:59.999Z", 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(firings("* * * * *", "2026-12-31T23:59:30Z", 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
  });

  it("skips months too short for the day", () => {
    expect(firings("0 0 31 * *", "2026-01-31T00:00:00Z", 4)).toEqual([
      "2026-03-31T00:00:00.000Z",
      "2026-05-31T00:00:00.000Z",
      "2026-07-31T00:00:00.000Z",
      "2026-08-31T00:00:00.000Z",
    ]);
  });

  it("finds Feb 29 in leap years only, even across 2100 (not a leap year)", () => {
    expect(firings("0 0 29 2 *", "2026-03-01T00:00:00Z", 3)).toEqual(["2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z", "2036-02-29T00:00:00.000Z"]);
    expect(firings("0 0 29 2 *", "2096-02-29T00:00:00Z", 1)).toEqual(["2104-02-29T00:00:00.000Z"]);
  });

  it("skips whole months and days rather than minutes", () => {
    // Stepping minute by minute, 100 searches of 8 years would be 420 million steps.
    const schedule = parseCron("0 0 29 2 *");
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(schedule.next(at("2096-03-01T00:00:00Z"))).toBe(at("2104-02-29T00:00:00Z"));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("fires on a day matching EITHER day field when both are restricted", () => {
    // April 2026: the 1st is a Wednesday, the 13th a Monday.
    expect(firings("0 0 13 * FRI", "2026-04-01T00:00:00Z", 6)).toEqual([
      "2026-04-03T00:00:00.000Z",
      "2026-04-10T00:00:00.000Z",
      "2026-04-13T00:00:00.000Z",
      "2026-04-17T00:00:00.000Z",
      "2026-04-24T00:00:00.000Z",
      "2026-05-01T00:00:00.000Z",
    ]);
    // A stepped `*` counts as a restriction (robfig/cron, as Inngest parses).
    expect(firings("0 0 */10 * MON", "2026-04-01T00:00:00Z", 6)).toEqual([
      "2026-04-06T00:00:00.000Z",
      "2026-04-11T00:00:00.000Z",
      "2026-04-13T00:00:00.000Z",
      "2026-04-20T00:00:00.000Z",
      "2026-04-21T00:00:00.000Z",
      "2026-04-27T00:00:00.000Z",
    ]);
  });

  it("fires on days matching BOTH when one day field is `*`", () => {
    expect(firings("0 0 13 * *", "2026-04-01T00:00:00Z", 2)).toEqual(["2026-04-13T00:00:00.000Z", "2026-05-13T00:00:00.000Z"]);
    expect(firings("0 0 * * FRI", "2026-04-01T00:00:00Z", 2)).toEqual(["2026-04-03T00:00:00.000Z", "2026-04-10T00:00:00.000Z"]);
    expect(firings("0 0 */10 * *", "2026-04-01T00:00:00Z", 1)).toEqual(["2026-04-11T00:00:00.000Z"]);
  });

  it("reads the fields in the schedule's time zone: Paris 09:00 is 08:00Z in winter, 07:00Z in summer", () => {
    const paris = "TZ=Europe/Paris 0 9 * * *";
    expect(firings(paris, "2026-01-15T00:00:00Z", 2)).toEqual(["2026-01-15T08:00:00.000Z", "2026-01-16T08:00:00.000Z"]);
    expect(firings(paris, "2026-07-15T00:00:00Z", 2)).toEqual(["2026-07-15T07:00:00.000Z", "2026-07-16T07:00:00.000Z"]);
    // Across the spring change (2026-03-29) the UTC time moves by an hour.
    expect(firings(paris, "2026-03-28T00:00:00Z", 2)).toEqual(["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z"]);
    expect(firings("CRON_TZ=America/New_York 0 9 * * *", "2026-01-15T00:00:00Z", 1)).toEqual(["2026-01-15T14:00:00.000Z"]);
    expect(firings("CRON_TZ=America/New_York 0 9 * * *", "2026-07-15T00:00:00Z", 1)).toEqual(["2026-07-15T13:00:00.000Z"]);
    // Day fields are read in the zone too: Monday 00:30 in Tokyo is Sunday 15:30Z.
    expect(firings("TZ=Asia/Tokyo 30 0 * * MON", "2026-04-01T00:00:00Z", 1)).toEqual(["2026-04-05T15:30:00.000Z"]);
  });

  it("does not fire a wall-clock time that DST skips (Paris 2026-03-29 02:30 does not exist)", () => {
    expect(firings("TZ=Europe/Paris 30 2 * * *", "2026-03-28T02:00:00Z", 2)).toEqual(["2026-03-30T00:30:00.000Z", "2026-03-31T00:30:00.000Z"]);
    // An hourly schedule goes from 01:00 CET straight to 03:00 CEST, one real hour later.
    expect(firings("TZ=Europe/Paris 0 * * * *", "2026-03-28T23:30:00Z", 3)).toEqual([
      "2026-03-29T00:00:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T02:00:00.000Z",
    ]);
  });

  it("fires a repeated wall-clock time once (Paris 2026-10-25 02:30 happens twice)", () => {
    // 02:30 CEST is 00:30Z; 02:30 CET, an hour later, is 01:30Z.
    expect(firings("TZ=Europe/Paris 30 2 * * *", "2026-10-24T12:00:00Z", 2)).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    // Asked during the second 02:00-03:00, the first 02:30 has already fired.
    expect(firings("TZ=Europe/Paris 30 2 * * *", "2026-10-25T01:00:00Z", 1)).toEqual(["2026-10-26T01:30:00.000Z"]);
    expect(firings("TZ=Europe/Paris 30 2 * * *", "2026-10-25T01:30:00Z", 1)).toEqual(["2026-10-26T01:30:00.000Z"]);
    // Asked just before the first 02:30, it is the first one.
    expect(firings("TZ=Europe/Paris 30 2 * * *", "2026-10-25T00:29:59Z", 1)).toEqual(["2026-10-25T00:30:00.000Z"]);
  });

  it("keeps an interval schedule firing through the repeated autumn hour (Paris 2026-10-25)", () => {
    // 02:00-02:59 CEST is 00:00Z-00:59Z, then 02:00-02:59 CET is 01:00Z-01:59Z: every quarter fires.
    const quarters = Array.from({ length: 12 }, (_, i) => new Date(Date.parse("2026-10-24T23:45:00Z") + (i + 1) * 15 * 60_000).toISOString());
    expect(firings("TZ=Europe/Paris */15 * * * *", "2026-10-24T23:45:00Z", 12)).toEqual(quarters);
    // Asked in the first pass, the next tick is the next quarter, not the second pass.
    expect(firings("TZ=Europe/Paris */15 * * * *", "2026-10-25T00:10:00Z", 1)).toEqual(["2026-10-25T00:15:00.000Z"]);
    expect(firings("TZ=Europe/Paris @hourly", "2026-10-24T23:30:00Z", 3)).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
    // Lord Howe repeats 01:30-01:59 (UTC+11 back to UTC+10:30) on 2026-04-05.
    expect(firings("TZ=Australia/Lord_Howe */15 * * * *", "2026-04-04T14:20:00Z", 4)).toEqual([
      "2026-04-04T14:30:00.000Z",
      "2026-04-04T14:45:00.000Z",
      "2026-04-04T15:00:00.000Z",
      "2026-04-04T15:15:00.000Z",
    ]);
  });

  it("skips a fixed time in the spring gap, as robfig/cron does (Paris 2026-03-29 02:30 does not exist)", () => {
    expect(firings("TZ=Europe/Paris 30 2 * * *", "2026-03-28T12:00:00Z", 2)).toEqual(["2026-03-30T00:30:00.000Z", "2026-03-31T00:30:00.000Z"]);
  });

  it("fires @every on multiples of the delay since the epoch", () => {
    expect(firings("@every 5m", "2026-01-01T00:03:10Z", 2)).toEqual(["2026-01-01T00:05:00.000Z", "2026-01-01T00:10:00.000Z"]);
    expect(firings("@every 1h30m", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-01T01:30:00.000Z"]);
    expect(firings("@every 500ms", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-01T00:00:01.000Z"]); // at least a second, as robfig
  });

  it("refuses L, W and # as Inngest's parser does, naming them", () => {
    expect(parseError("0 0 L * *")).toMatch(/"L": L, W and # \(Quartz extensions\) are not supported/);
    expect(parseError("0 0 15W * *")).toMatch(/"15W": L, W and #/);
    expect(parseError("0 0 * * MON#2")).toMatch(/"MON#2": L, W and #/);
    expect(parseCron("0 0 * JUL WED").timeZone).toBe("UTC"); // month and day names are not L or W
  });

  // Reference: step through every real minute, reading its wall-clock time with Intl; a minute
  // fires when its fields match and, for a fixed-time schedule, its wall-clock time has not been
  // seen before (an interval schedule fires on both passes of a repeated hour).
  describe.each([
    ["Europe/Paris", "2026-03-28T00:00:00Z"],
    ["Europe/Paris", "2026-10-24T00:00:00Z"],
    ["America/New_York", "2026-03-07T00:00:00Z"],
    ["America/New_York", "2026-10-31T00:00:00Z"],
    // Lord Howe Island shifts by 30 minutes.
    ["Australia/Lord_Howe", "2026-04-04T00:00:00Z"],
    ["Australia/Lord_Howe", "2026-10-03T00:00:00Z"],
  ])("agrees with minute-by-minute stepping in %s from %s", (zone, start) => {
    const wall = wallClock(zone);
    const from = at(start);
    const minutes = 3 * 24 * 60;
    const walls = Array.from({ length: minutes }, (_, i) => wall(from + i * 60_000));
    const fires = (match: (w: Date) => boolean, interval: boolean): number[] => {
      const out: number[] = [];
      let seen = Number.NEGATIVE_INFINITY;
      walls.forEach((w, i) => {
        const fresh = w.getTime() > seen;
        seen = Math.max(seen, w.getTime());
        if ((fresh || interval) && match(w)) out.push(from + i * 60_000);
      });
      return out;
    };

    it.each([
      ["*/30 * * * *", (w: Date) => w.getUTCMinutes() % 30 === 0],
      ["0 * * * *", (w: Date) => w.getUTCMinutes() === 0],
      ["30 2 * * *", (w: Date) => w.getUTCHours() === 2 && w.getUTCMinutes() === 30],
      ["45 1 * * *", (w: Date) => w.getUTCHours() === 1 && w.getUTCMinutes() === 45],
      ["15,45 1-3 * * *", (w: Date) => [1, 2, 3].includes(w.getUTCHours()) && [15, 45].includes(w.getUTCMinutes())],
    ])("%s", (fields, match) => {
      const expected = fires(match, fields.startsWith("*") || fields.split(" ")[1]?.startsWith("*") === true);
      const schedule = parseCron(`TZ=${zone} ${fields}`);
      // The first day warms up the "seen" wall clock; compare from then on, every 7 minutes.
      for (let after = from + 24 * 3600_000; after < from + minutes * 60_000; after += 7 * 60_000 + 13_000) {
        const want = expected.find((t) => t > after);
        if (want === undefined) break;
        expect(iso(schedule.next(after)), `after ${iso(after)}`).toBe(iso(want));
      }
    });
  });
});

/** Wall-clock time in `zone` at instant `t`, as a Date whose UTC fields are the wall fields. */
function wallClock(zone: string): (t: number) => Date {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  return (t) => {
    const p = Object.fromEntries(format.formatToParts(t).map((x) => [x.type, Number(x.value)]));
    return new Date(Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0));
  };
}
