import { describe, expect, it } from "vitest";
import type { BinaryOp, Expr, Scalar } from "./ast.js";
import { parse } from "./parser.js";
import { print } from "./printer.js";

function roundTrip(source: string): string {
  const tree = parse(source);
  const printed = print(tree);
  expect(parse(printed)).toEqual(tree);
  return printed;
}

describe("print", () => {
  it("adds parentheses only where precedence needs them", () => {
    expect(roundTrip("(a + b) * c")).toBe("(a + b) * c");
    expect(roundTrip("a + (b * c)")).toBe("a + b * c");
    expect(roundTrip("a - (b - c)")).toBe("a - (b - c)");
    expect(roundTrip("(a - b) - c")).toBe("a - b - c");
    expect(roundTrip("(a || b) && c")).toBe("(a || b) && c");
    expect(roundTrip("!(a && b)")).toBe("!(a && b)");
    expect(roundTrip("(a ? b : c) ? (d ? e : f) : g ? h : i")).toBe("(a ? b : c) ? (d ? e : f) : g ? h : i");
    expect(roundTrip("(a + b).size()")).toBe("(a + b).size()");
    expect(roundTrip("(-a).b")).toBe("(-a).b");
  });

  it("keeps negative literals apart from negation", () => {
    expect(roundTrip("-5")).toBe("-5");
    expect(roundTrip("-(5)")).toBe("-(5)");
    expect(roundTrip("-(-5)")).toBe("-(-5)");
    expect(roundTrip("- -5")).toBe("-(-5)");
    expect(roundTrip("- -a")).toBe("--a");
    expect(roundTrip("a - -5")).toBe("a - -5");
    expect(roundTrip("-5.size()")).toBe("-5.size()");
    expect(roundTrip("-0")).toBe("0"); // ints have no negative zero
    expect(roundTrip("-0.0")).toBe("-0.0");
  });

  it("prints numbers so they read back exactly", () => {
    for (const n of [0, 1.5, 1e21, 5e-7, 123456789.123, Number.MAX_SAFE_INTEGER, Infinity, -Infinity]) {
      expect(parse(print({ kind: "literal", value: n }))).toEqual({ kind: "literal", value: n });
    }
  });

  it("escapes strings", () => {
    expect(roundTrip(String.raw`'say "hi"\\'`)).toBe(String.raw`"say \"hi\"\\"`);
    expect(print({ kind: "literal", value: "a\nb\t\x00\u2028é😀" })).toBe(String.raw`"a\nb\t\u0000\u2028é😀"`);
    for (const s of ['"', "\\", '\\"', "'", "\ud800", "\udc00x", "\x7f\x9f", "\\u0041"]) {
      expect(parse(print({ kind: "literal", value: s }))).toEqual({ kind: "literal", value: s });
    }
  });

  it("round-trips every construct", () => {
    for (const source of [
      "event.data.userId == async.data.userId",
      "async.data.amount > 100 && async.name == 'x'",
      "a in [1, 'b', null, true] || {'k': [1], x: {}}[y] != z",
      "has(a.b) && a.b.startsWith('x') && size(a) >= int('1')",
      "a ? b || c : !d",
      "f()[0].g(1, 2)",
    ]) {
      roundTrip(source);
    }
  });

  it("round-trips random trees", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
    const scalars: Scalar[] = [null, true, false, 0, 7, -3, 2.5, -0.25, 1e21, "", "q\"'\\\n", "é😀"];
    const ops: BinaryOp[] = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"];
    const gen = (depth: number): Expr => {
      const leaf = depth <= 0 || rand(4) === 0;
      if (leaf) return rand(2) ? { kind: "literal", value: pick(scalars) } : { kind: "ident", name: pick(["a", "b", "event"]) };
      const sub = () => gen(depth - 1);
      switch (rand(10)) {
        case 0:
          return { kind: "select", operand: sub(), field: pick(["x", "data"]) };
        case 1:
          return { kind: "index", operand: sub(), index: sub() };
        case 2:
          return rand(2) ? { kind: "call", fn: "f", target: sub(), args: [sub()] } : { kind: "call", fn: "g", args: [sub(), sub()] };
        case 3:
          return { kind: "list", items: [sub(), sub()] };
        case 4:
          return { kind: "map", entries: [{ key: sub(), value: sub() }] };
        case 5:
          return { kind: "unary", op: pick(["!", "-"] as const), operand: sub() };
        case 6:
          // biome-ignore lint/suspicious/noThenProperty: `then` is the CEL conditional's branch in the AST, never a thenable
          return { kind: "conditional", test: sub(), then: sub(), otherwise: sub() };
        default:
          return { kind: "binary", op: pick(ops), left: sub(), right: sub() };
      }
    };
    for (let i = 0; i < 2000; i++) {
      const tree = gen(6);
      const printed = print(tree);
      expect(parse(printed), printed).toEqual(tree);
    }
  });
});
