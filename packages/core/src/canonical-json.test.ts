import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("gives the same text whatever order the keys were written in", () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ c: 3, a: 2, b: 1 })).toBe(canonicalJson({ a: 2, b: 1, c: 3 }));
  });

  it("sorts keys by UTF-16 code unit, as RFC 8785 does, not by locale", () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, "10": 4, "9": 5, é: 6 })).toBe('{"10":4,"9":5,"B":2,"a":3,"b":1,"é":6}');
  });

  it("sorts nested objects, including objects inside arrays", () => {
    const a = { z: { y: [{ q: 1, p: 2 }, 3], x: null }, w: "s" };
    const b = { w: "s", z: { x: null, y: [{ p: 2, q: 1 }, 3] } };
    expect(canonicalJson(a)).toBe('{"w":"s","z":{"x":null,"y":[{"p":2,"q":1},3]}}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it("keeps array order, which is meaningful", () => {
    expect(canonicalJson([3, 1, 2])).toBe("[3,1,2]");
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it("drops undefined and function members of objects, and writes them as null in arrays, like JSON.stringify", () => {
    const f = () => 1;
    expect(canonicalJson({ a: undefined, b: 1, c: f })).toBe('{"b":1}');
    expect(canonicalJson({ a: undefined })).toBe("{}");
    expect(canonicalJson([undefined, 1, f])).toBe("[null,1,null]");
    expect(canonicalJson([undefined, 1, f])).toBe(JSON.stringify([undefined, 1, f]));
    expect(canonicalJson(undefined)).toBe("null");
  });

  it("writes scalars as JSON.stringify does", () => {
    expect(canonicalJson('a"b\\c\n')).toBe(String.raw`"a\"b\\c\n"`);
    expect(canonicalJson(1.0)).toBe("1");
    expect(canonicalJson(-0.5)).toBe("-0.5");
    expect(canonicalJson(true)).toBe("true");
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson(Number.NaN)).toBe("null");
    expect(canonicalJson({ k: "ü" })).toBe('{"k":"ü"}');
  });

  it("writes holes in sparse arrays as null, so the output is still JSON", () => {
    const sparse: number[] = [];
    sparse[0] = 1;
    sparse[2] = 3; // index 1 is a hole
    expect(canonicalJson(sparse)).toBe("[1,null,3]");
    expect(JSON.parse(canonicalJson(new Array(2)))).toEqual([null, null]);
  });

  it("honours toJSON (a Date is its ISO string), like JSON.stringify", () => {
    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(canonicalJson(when)).toBe('"2026-01-02T03:04:05.000Z"');
    expect(canonicalJson({ b: when, a: 1 })).toBe('{"a":1,"b":"2026-01-02T03:04:05.000Z"}');
    // Two different dates must not compare equal.
    expect(canonicalJson({ at: new Date(0) })).not.toBe(canonicalJson({ at: new Date(1) }));
  });

  it("matches JSON.stringify byte for byte once keys are sorted", () => {
    const value = { n: [1, "two", { three: 3 }], s: "x", t: true, u: null, v: { w: [] } };
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
  });
});
