import { describe, expect, it } from "vitest";
import { isWeftError, InvalidInputError } from "../errors.js";
import type { Expr, Scalar } from "./ast.js";
import { parse } from "./parser.js";
import { Uint } from "./values.js";

const id = (name: string): Expr => ({ kind: "ident", name });
const lit = (value: Scalar): Expr => ({ kind: "literal", value });
const int = (n: number): Expr => lit(BigInt(n));
const bin = (op: Extract<Expr, { kind: "binary" }>["op"], left: Expr, right: Expr): Expr => ({ kind: "binary", op, left, right });

function syntaxMessage(source: string): string {
  try {
    parse(source);
  } catch (e) {
    expect(isWeftError(e, InvalidInputError)).toBe(true);
    return (e as Error).message;
  }
  throw new Error(`expected ${source} to fail`);
}

describe("parse: precedence", () => {
  it("binds * tighter than +, + tighter than ==, == tighter than &&, && tighter than ||", () => {
    expect(parse("a || b && c == d + e * f")).toEqual(
      bin("||", id("a"), bin("&&", id("b"), bin("==", id("c"), bin("+", id("d"), bin("*", id("e"), id("f")))))),
    );
  });

  it("is left-associative within a level", () => {
    expect(parse("a - b - c")).toEqual(bin("-", bin("-", id("a"), id("b")), id("c")));
    expect(parse("a < b == c")).toEqual(bin("==", bin("<", id("a"), id("b")), id("c")));
  });

  it("puts `in` at the relational level", () => {
    expect(parse("a + b in c && d")).toEqual(bin("&&", bin("in", bin("+", id("a"), id("b")), id("c")), id("d")));
  });

  it("nests the conditional to the right and below ||", () => {
    expect(parse("a || b ? c : d ? e : f")).toEqual({
      kind: "conditional",
      test: bin("||", id("a"), id("b")),
      // biome-ignore lint/suspicious/noThenProperty: `then` is the CEL conditional's branch in the AST, never a thenable
      then: id("c"),
      // biome-ignore lint/suspicious/noThenProperty: `then` is the CEL conditional's branch in the AST, never a thenable
      otherwise: { kind: "conditional", test: id("d"), then: id("e"), otherwise: id("f") },
    });
  });

  it("applies unary operators to the member expression", () => {
    expect(parse("!a.b")).toEqual({ kind: "unary", op: "!", operand: { kind: "select", operand: id("a"), field: "b" } });
    expect(parse("-a * b")).toEqual(bin("*", { kind: "unary", op: "-", operand: id("a") }, id("b")));
  });

  it("reads a minus before a number as a negative literal", () => {
    expect(parse("-5")).toEqual(int(-5));
    expect(parse("a - -2.5")).toEqual(bin("-", id("a"), lit(-2.5)));
    expect(parse("-(5)")).toEqual({ kind: "unary", op: "-", operand: int(5) });
  });

  it("parses member chains, indexes and calls", () => {
    expect(parse('a.b["c"][0].size()')).toEqual({
      kind: "call",
      fn: "size",
      target: {
        kind: "index",
        operand: { kind: "index", operand: { kind: "select", operand: id("a"), field: "b" }, index: lit("c") },
        index: int(0),
      },
      args: [],
    });
    expect(parse("int(x, 1)")).toEqual({ kind: "call", fn: "int", args: [id("x"), int(1)] });
  });

  it("parses lists and maps, with trailing commas", () => {
    expect(parse("[1, 'a', [],]")).toEqual({ kind: "list", items: [int(1), lit("a"), { kind: "list", items: [] }] });
    expect(parse("{'k': 1, x: true,}")).toEqual({
      kind: "map",
      entries: [
        { key: lit("k"), value: int(1) },
        { key: id("x"), value: lit(true) },
      ],
    });
  });
});

describe("parse: literals", () => {
  it("reads numbers in all their forms", () => {
    expect(parse("42")).toEqual(int(42));
    expect(parse("1.5e3")).toEqual(lit(1500));
    expect(parse("2E-2")).toEqual(lit(0.02));
    expect(parse("2.0")).toEqual(lit(2));
    expect(parse(".5")).toEqual(lit(0.5));
    expect(parse("0x1F")).toEqual(int(31));
    expect(parse("7u")).toEqual(lit(new Uint(7n)));
    expect(parse("-9223372036854775808")).toEqual(lit(-(2n ** 63n)));
    expect(() => parse("9223372036854775808")).toThrow(/int literal 9223372036854775808 out of range/);
    expect(() => parse("18446744073709551616u")).toThrow(/out of range/);
    expect(parse("b'\\xff\\101é'")).toEqual(lit(new Uint8Array([0xff, 0x41, 0xc3, 0xa9])));
  });

  it("reads true, false and null", () => {
    expect(parse("[true, false, null]")).toEqual({ kind: "list", items: [lit(true), lit(false), lit(null)] });
  });

  it("decodes string escapes in either quote", () => {
    expect(parse(String.raw`"a\"b\\c\n\t\r"`)).toEqual(lit('a"b\\c\n\t\r'));
    expect(parse(String.raw`'it\'s "x"'`)).toEqual(lit(`it's "x"`));
    expect(parse(String.raw`"\x41\u00e9\U0001F600\101\a\b\f\v\?\`"`)).toEqual(lit("Aé😀A\x07\b\f\v?`"));
  });

  it("reads raw and triple-quoted strings", () => {
    expect(parse(String.raw`r"a\d+"`)).toEqual(lit("a\\d+"));
    expect(parse(`'''two\nlines with ' and ""'''`)).toEqual(lit(`two\nlines with ' and ""`));
  });

  it("skips comments and whitespace", () => {
    expect(parse("a // the left side\n  == 1")).toEqual(bin("==", id("a"), int(1)));
  });
});

describe("parse: errors", () => {
  it("names the problem and its offset", () => {
    expect(syntaxMessage("a ==")).toBe('expression "a ==": unexpected end at 4');
    expect(syntaxMessage("a == )")).toBe('expression "a == )": unexpected ")" at 5');
    expect(syntaxMessage("(a")).toBe('expression "(a": expected ")" but found end at 2');
    expect(syntaxMessage("a b")).toBe('expression "a b": unexpected "b" at 2');
    expect(syntaxMessage("a # b")).toBe('expression "a # b": unexpected character "#" at 2');
    expect(syntaxMessage("a.1")).toBe('expression "a.1": unexpected "1" at 2');
  });

  it("rejects bad strings", () => {
    expect(syntaxMessage("'abc")).toBe(`expression "'abc": unterminated string at 0`);
    expect(syntaxMessage(String.raw`"a\qb"`)).toMatch(/invalid escape \\q at 2$/);
    expect(syntaxMessage(String.raw`"\u12"`)).toMatch(/invalid escape/);
    expect(syntaxMessage('"a\nb"')).toMatch(/newline in string at 2$/);
  });

  it("rejects empty input, stray commas and a single `=`", () => {
    expect(syntaxMessage("")).toMatch(/unexpected end at 0$/);
    expect(syntaxMessage("[1,,2]")).toMatch(/unexpected ","/);
    expect(syntaxMessage("a = 1")).toMatch(/unexpected character "="/);
  });

  it("requires a field selection inside has()", () => {
    expect(syntaxMessage("has(a)")).toMatch(/has\(\) takes one field selection/);
    expect(syntaxMessage("has(a.b, c)")).toMatch(/has\(\) takes one field selection/);
    expect(parse("has(a.b)")).toEqual({ kind: "call", fn: "has", args: [{ kind: "select", operand: id("a"), field: "b" }] });
  });

  it("refuses nesting that would overflow the stack", () => {
    expect(syntaxMessage(`${"(".repeat(10_000)}1${")".repeat(10_000)}`)).toMatch(/nesting deeper than/);
    expect(syntaxMessage(`${"!".repeat(10_000)}a`)).toMatch(/nesting deeper than/);
    expect(syntaxMessage(Array(5000).fill("a").join(" || "))).toMatch(/deeper than 1000 levels/);
    expect(syntaxMessage(`a${".b".repeat(5000)}`)).toMatch(/deeper than 1000 levels/);
    expect(() => parse(Array(500).fill("a").join(" || "))).not.toThrow();
  });

  it("shortens long sources in messages", () => {
    const message = syntaxMessage(`${"x".repeat(500)} ==`);
    expect(message.length).toBeLessThan(200);
    expect(message).toMatch(/\.\.\.": unexpected end at 503$/);
  });
});
