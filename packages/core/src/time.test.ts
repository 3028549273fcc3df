import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import { formatDuration, parseDuration, resolveTime } from "./time.js";

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

describe("parseDuration", () => {
  it("reads single units", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("30s")).toBe(30 * second);
    expect(parseDuration("5m")).toBe(5 * minute);
    expect(parseDuration("24h")).toBe(24 * hour);
    expect(parseDuration("2d")).toBe(2 * day);
    expect(parseDuration("1w")).toBe(7 * day);
  });

  it("reads combined units and fractions", () => {
    expect(parseDuration("1h30m")).toBe(hour + 30 * minute);
    expect(parseDuration("1d2h3m4s5ms")).toBe(day + 2 * hour + 3 * minute + 4 * second + 5);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("0.5h")).toBe(30 * minute);
    // Sub-millisecond units round to whole milliseconds.
    expect(parseDuration("1500us")).toBe(2);
    expect(parseDuration("2500000ns")).toBe(3);
  });

  it("tells minutes from milliseconds", () => {
    expect(parseDuration("1m")).toBe(minute);
    expect(parseDuration("1ms")).toBe(1);
    expect(parseDuration("1m1ms")).toBe(minute + 1);
  });

  it("reads the empty string as 0 and a bare number as seconds", () => {
    expect(parseDuration("")).toBe(0);
    expect(parseDuration("  ")).toBe(0);
    expect(parseDuration("10")).toBe(10 * second);
    expect(parseDuration(" 10s ")).toBe(10 * second);
  });

  it("refuses anything else with InvalidInputError naming the text", () => {
    for (const bad of ["abc", "10x", "h", "1h30", "-5s", "1 h", "1h 30m", "1.5", "s10", "1e3s", "10sabc"]) {
      expect(() => parseDuration(bad), bad).toThrow(InvalidInputError);
      expect(() => parseDuration(bad), bad).toThrow(`"${bad}" is not a duration`);
    }
  });

  it("does not carry state from a failed parse into the next one", () => {
    expect(() => parseDuration("1h?")).toThrow(InvalidInputError);
    expect(parseDuration("2h")).toBe(2 * hour);
  });
});

describe("resolveTime", () => {
  const now = Date.UTC(2026, 3, 1, 12, 0, 0);

  it("reads a duration as relative to now", () => {
    expect(resolveTime("1h", now)).toBe(now + hour);
    expect(resolveTime("90", now)).toBe(now + 90 * second);
    expect(resolveTime("", now)).toBe(now);
  });

  it("reads an ISO / RFC 3339 date as absolute, whatever now is", () => {
    expect(resolveTime("2026-05-01T10:00:00Z", now)).toBe(Date.UTC(2026, 4, 1, 10));
    expect(resolveTime("2026-05-01T10:00:00.250Z", 0)).toBe(Date.UTC(2026, 4, 1, 10, 0, 0, 250));
    expect(resolveTime("2026-05-01T12:00:00+02:00", now)).toBe(Date.UTC(2026, 4, 1, 10));
    // A date alone is midnight UTC.
    expect(resolveTime("2026-05-01", now)).toBe(Date.UTC(2026, 4, 1));
    // A date in the past stays in the past; callers decide what that means.
    expect(resolveTime("2020-01-01T00:00:00Z", now)).toBe(Date.UTC(2020, 0, 1));
  });

  it("refuses a date-shaped string that is not a date, and a bad duration", () => {
    expect(() => resolveTime("2026-13-45T00:00:00Z", now)).toThrow(InvalidInputError);
    expect(() => resolveTime("2026-13-45T00:00:00Z", now)).toThrow('"2026-13-45T00:00:00Z" is not a valid date');
    expect(() => resolveTime("tomorrow", now)).toThrow(InvalidInputError);
  });
});

describe("formatDuration", () => {
  it("writes w d h m s, largest first, skipping zero units", () => {
    expect(formatDuration(30 * second)).toBe("30s");
    expect(formatDuration(hour + 30 * minute)).toBe("1h30m");
    expect(formatDuration(7 * day)).toBe("1w");
    expect(formatDuration(8 * day + hour + minute + second)).toBe("1w1d1h1m1s");
    expect(formatDuration(2 * day + 5 * second)).toBe("2d5s");
  });

  it("rounds up to whole seconds, so a wait is never shortened", () => {
    expect(formatDuration(1)).toBe("1s");
    expect(formatDuration(1500)).toBe("2s");
    expect(formatDuration(59_001)).toBe("1m");
  });

  it("writes 0s for nothing or less", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(-5000)).toBe("0s");
  });

  it("round-trips through parseDuration for whole seconds", () => {
    for (const ms of [second, 59 * second, hour, 3 * day + 7 * hour, 20 * day + 1 * second]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
