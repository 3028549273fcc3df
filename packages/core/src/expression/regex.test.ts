import { describe, expect, it } from "vitest";
import { evaluateCondition } from "./compile.js";
import { regexProblem, regexSearch } from "./regex.js";

describe("matches() on RE2", () => {
  // JavaScript's backtracking RegExp takes minutes on this (2^32 ways to split the a's) and blocks
  // the event loop meanwhile; RE2 runs in time linear in the input. The per-test timeout is the bound.
  it("does not backtrack on a nested quantifier", { timeout: 2_000 }, () => {
    const event = { data: { s: `${"a".repeat(32)}!` } };
    expect(evaluateCondition("event.data.s.matches('^(a+)+$')", { event })).toBe(false);
    expect(evaluateCondition("event.data.s.matches('^(a+)+!$')", { event })).toBe(true);
    expect(regexSearch("x".repeat(100_000), "(x+x+)+y")).toBe(false);
  });

  it("searches anywhere unless anchored, as RE2's matches does", () => {
    expect(regexSearch("abc", "b")).toBe(true);
    expect(regexSearch("abc", "^b")).toBe(false);
    expect(regexSearch("abc", "c$")).toBe(true);
    expect(regexSearch("ABC", "(?i)b")).toBe(true);
    // `.` is one code point, not one UTF-16 unit.
    expect(regexSearch("😀", "^.$")).toBe(true);
  });

  it("names the problem of an invalid pattern, including Perl syntax that RE2 lacks", () => {
    expect(regexProblem("a+")).toBeUndefined();
    expect(regexProblem("(")).toMatch(/missing closing \)/);
    expect(regexProblem("(?=a)")).toMatch(/invalid or unsupported Perl syntax/);
    expect(regexProblem("(a)\\1")).toMatch(/invalid escape sequence/);
    expect(regexSearch("a", "(")).toEqual({ problem: expect.stringMatching(/missing closing \)/) });
  });

  it("handles a long pattern from the data, which is compiled without being cached", () => {
    const long = "a".repeat(2000);
    expect(regexSearch(`x${long}y`, long)).toBe(true);
    expect(regexSearch("x", `(${long}`)).toEqual({ problem: expect.stringMatching(/missing closing \)/) });
  });

  it("makes an invalid pattern an evaluation error, so a condition does not match", () => {
    expect(evaluateCondition("'a'.matches('(?=a)')", {})).toBe(false);
  });
});
