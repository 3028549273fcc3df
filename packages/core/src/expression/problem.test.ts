import { describe, expect, it } from "vitest";
import { expressionProblem } from "./problem.js";

describe("expressionProblem", () => {
  it("accepts expressions that can be evaluated", () => {
    for (const ok of [
      "event.data.amount > 100",
      "has(event.data.x) && size(event.data.tags) == 2",
      "event.data.email.matches('^[a-z]+@') || matches(event.data.s, 'b')",
      "event.data.s.matches(event.data.pattern)", // a pattern from the data can only be checked when it runs
      "int('3') + double(1) > 0 && string(1).startsWith('1')",
    ]) {
      expect(expressionProblem(ok), ok).toBeUndefined();
    }
  });

  it("names a syntax error and its offset", () => {
    expect(expressionProblem("event.data.a ==")).toBe('expression "event.data.a ==": unexpected end at 15');
  });

  it("names an unknown function, or a known one called in a form that does not exist", () => {
    expect(expressionProblem("lowerAscii(event.name) == 'a'")).toBe('expression "lowerAscii(event.name) == \'a\'": unknown function "lowerAscii"');
    expect(expressionProblem("event.name.int() == 1")).toMatch(/"int" cannot be called as a method with 0 arguments/);
    expect(expressionProblem("size(event.a, event.b) > 0")).toMatch(/"size" cannot be called as a function with 2 arguments/);
    // Found inside nested positions too.
    expect(expressionProblem("[1, {'k': nope(1)}][0] == 1")).toMatch(/unknown function "nope"/);
  });

  it("names an invalid literal regex in either call form", () => {
    expect(expressionProblem("event.data.s.matches('(')")).toMatch(/invalid regular expression "\(" in matches\(\): .*missing closing \)/);
    expect(expressionProblem("matches(event.data.s, '(?=x)')")).toMatch(/invalid or unsupported Perl syntax/);
  });
});
