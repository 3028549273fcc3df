import { describe, expect, it } from "vitest";
import { isWeftError, InvalidInputError } from "../errors.js";
import { compileExpression, evaluateCondition } from "./compile.js";

const event = {
  name: "app/order.placed",
  data: { userId: "u1", amount: 150, tags: ["a", "b"], user: { id: 7, email: "x@y.z", nick: null }, zero: 0 },
};
const run = (source: string, vars: Record<string, unknown> = { event }) => compileExpression(source).evaluate(vars);

describe("compileExpression", () => {
  it("keeps the source and caches by it", () => {
    const a = compileExpression("event.data.amount > 100");
    expect(a.source).toBe("event.data.amount > 100");
    expect(compileExpression("event.data.amount > 100")).toBe(a);
  });

  it("stays bounded, keeping what is used and dropping what is not", () => {
    const first = compileExpression("1 + 1");
    for (let i = 0; i < 1500; i++) compileExpression(`${i} == ${i}`);
    expect(compileExpression("1 + 1")).toBe(first); // used within the last generation: kept, and promoted
    for (let i = 0; i < 2001; i++) compileExpression(`${i} != ${i}`);
    expect(compileExpression("1 + 1")).not.toBe(first); // unused for two whole generations: dropped
  });

  it("throws InvalidInputError on syntax errors", () => {
    expect(() => compileExpression("a ==")).toThrow('expression "a ==": unexpected end at 4');
    let caught: unknown;
    try {
      compileExpression("a ==");
    } catch (e) {
      caught = e;
    }
    expect(isWeftError(caught, InvalidInputError)).toBe(true);
  });
});

describe("evaluate: operators", () => {
  it("evaluates arithmetic with CEL precedence", () => {
    expect(run("1 + 2 * 3")).toBe(7);
    expect(run("(1 + 2) * 3")).toBe(9);
    expect(run("10 - 4 - 3")).toBe(3);
    expect(run("7 % 4 * 2")).toBe(6);
    expect(run("-event.data.amount + 1.0")).toBe(-149);
    expect(run("5 / 2")).toBe(2); // int division truncates, as in CEL
    expect(run("-5 / 2")).toBe(-2);
    expect(run("5.0 / 2.0")).toBe(2.5);
    expect(run("1.0 / 0.0")).toBe(Infinity);
    expect(run("-1.0 / 0.0")).toBe(-Infinity);
    expect(Number.isNaN(run("0.0 / 0.0"))).toBe(true);
    expect(run("1 + 2 == 3 && 2 * 2 == 4 || false")).toBe(true);
  });

  it("concatenates strings and lists", () => {
    expect(run("'a' + \"b\"")).toBe("ab");
    expect(run("[1] + [2, 3]")).toEqual([1, 2, 3]);
  });

  it("compares numbers, strings and bools", () => {
    expect(run("1 == 1.0")).toBe(true);
    expect(run("2 < 10 && 'b' > 'a' && 'abc' <= 'abd' && false < true && 3 >= 3")).toBe(true);
    expect(run("1 == '1'")).toBe(false);
    expect(() => run("1 < 'a'")).toThrow(/no such overload: int < string/);
    expect(run("1 < 1.5 && 2u > 1 && 1.0 == 1u")).toBe(true); // numeric comparisons cross types
  });

  it("compares lists and maps deeply", () => {
    expect(run("[1, [2, {'a': 3}]] == [1, [2, {'a': 3}]]")).toBe(true);
    expect(run("{'a': 1, 'b': 2} == {'b': 2, 'a': 1}")).toBe(true);
    expect(run("{'a': 1} != {'a': 1, 'b': 2}")).toBe(true);
    expect(run("event.data.user == {'id': 7, 'email': 'x@y.z', 'nick': null}")).toBe(true);
  });

  it("tests membership in lists and map keys", () => {
    expect(run("'a' in event.data.tags")).toBe(true);
    expect(run("'z' in event.data.tags")).toBe(false);
    expect(run("'email' in event.data.user")).toBe(true);
    expect(run("[1] in [[1], [2]]")).toBe(true);
  });

  it("evaluates the conditional and needs a bool test", () => {
    expect(run("event.data.amount > 100 ? 'big' : 'small'")).toBe("big");
    expect(run("false ? 1 : true ? 2 : 3")).toBe(2);
    expect(() => run("1 ? 2 : 3")).toThrow(/condition/);
  });

  it("rejects division by zero and type mismatches", () => {
    expect(() => run("1 / 0")).toThrow(/division by zero/);
    expect(() => run("1 % 0")).toThrow(/modulus by zero/);
    expect(() => run("1 + 1.0")).toThrow(/no such overload: int \+ double/);
    expect(() => run("event.data.amount * 2")).toThrow(/no such overload: double \* int/); // JSON numbers are doubles, as on Inngest
    expect(run("event.data.amount * 2.0")).toBe(300);
    expect(() => run("9223372036854775807 + 1")).toThrow(/int overflow/);
    expect(() => run("0u - 1u")).toThrow(/uint overflow/);
    expect(() => run("'a' - 'b'")).toThrow(/no such overload/);
    expect(() => run("!1")).toThrow(/no such overload/);
    expect(() => run("-'a'")).toThrow(/no such overload/);
  });
});

describe("evaluate: && and ||", () => {
  it("short-circuits and absorbs errors on either side, as CEL does", () => {
    expect(run("false && 1 / 0 == 1")).toBe(false);
    expect(run("1 / 0 == 1 && false")).toBe(false);
    expect(run("true || 1 / 0 == 1")).toBe(true);
    expect(run("1 / 0 == 1 || true")).toBe(true);
    expect(run("event.data.nope || true")).toBe(true);
  });

  it("propagates the error when nothing decides", () => {
    expect(() => run("true && 1 / 0 == 1")).toThrow(/division by zero/);
    expect(() => run("false || 1 / 0 == 1")).toThrow(/division by zero/);
    expect(() => run("true && 'x'")).toThrow(/no such overload/);
  });
});

describe("evaluate: missing fields", () => {
  it("yields undefined for a missing field, however deep", () => {
    expect(run("event.data.nope")).toBeUndefined();
    expect(run("event.data.nope.deeper.still")).toBeUndefined();
    expect(run("event.data.user.nick.first")).toBeUndefined();
    expect(run("nobody.here")).toBeUndefined();
    expect(run("event.data['nope']")).toBeUndefined();
  });

  it("compares a missing value as Inngest does: equal to null, less than anything", () => {
    expect(run("event.data.nope == 1")).toBe(false);
    expect(run("event.data.nope == null")).toBe(true);
    expect(run("null == event.data.nope")).toBe(true);
    expect(run("event.data.nope != null")).toBe(false);
    expect(run("event.data.nope == event.data.other")).toBe(false);
    expect(run("event.data.nope != 1")).toBe(true);
    expect(run("event.data.nope < 1 && event.data.nope <= 1")).toBe(true);
    expect(run("event.data.nope > 1 || event.data.nope >= 1")).toBe(false);
    expect(run("1 > event.data.nope && !(1 < event.data.nope)")).toBe(true);
    expect(run("event.data.user.nick < 1 && !(event.data.user.nick > 0)")).toBe(true); // null orders as the zero
    expect(run("event.data.nope in [1]")).toBe(false);
    expect(run("1 in event.data.nope")).toBe(false);
  });

  it("keeps null distinct from missing", () => {
    expect(run("event.data.user.nick == null")).toBe(true);
    expect(run("event.data.user.nick != null")).toBe(false);
  });

  it("errors on arithmetic and functions of a missing value", () => {
    expect(() => run("event.data.nope + 1")).toThrow(/missing \+ int/);
    // Inngest: size() of a missing value is 0, and any other function of it is false.
    expect(run("size(event.data.nope)")).toBe(0);
    expect(run("event.data.nope.startsWith('a')")).toBe(false);
    expect(() => run("[event.data.nope]")).toThrow(/missing value/);
  });

  it("does not reach the prototype chain", () => {
    expect(run("event.constructor")).toBeUndefined();
    expect(run("has(event.toString)")).toBe(false);
    expect(run("{'__proto__': 1}['__proto__']")).toBe(1);
  });
});

describe("evaluate: indexing", () => {
  it("indexes lists and maps", () => {
    expect(run("event.data.tags[1]")).toBe("b");
    expect(run("event['data']['user'].id")).toBe(7);
    expect(run("{1: 'one'}[1]")).toBe("one");
  });

  it("errors on out-of-range list indexes and selection on scalars", () => {
    expect(() => run("event.data.tags[2]")).toThrow(/out of range/);
    expect(() => run("event.data.tags[-1]")).toThrow(/out of range/);
    expect(() => run("event.data.amount.x")).toThrow(/cannot select field "x" of double/);
    expect(() => run("{'a': 1, 'a': 2}")).toThrow(/duplicate map key/);
  });
});

describe("evaluate: functions and macros", () => {
  it("has() tests field presence", () => {
    expect(run("has(event.data.user)")).toBe(true);
    expect(run("has(event.data.user.nick)")).toBe(true);
    expect(run("has(event.data.nope)")).toBe(false);
    expect(run("has(event.data.nope.deeper)")).toBe(false);
    expect(() => run("has(event.data.amount.x)")).toThrow(/has\(\) on double/);
  });

  it("size() as a function and a method, counting code points", () => {
    expect(run("size(event.data.tags) + event.data.tags.size()")).toBe(4);
    expect(run("size('h😀') + size({'a': 1})")).toBe(3);
    expect(() => run("size(1)")).toThrow(/no such overload: size\(int\)/);
  });

  it("string methods", () => {
    expect(run("event.data.user.email.startsWith('x@')")).toBe(true);
    expect(run("event.data.user.email.endsWith('.z')")).toBe(true);
    expect(run("event.data.user.email.contains('@y')")).toBe(true);
    expect(run("event.data.user.email.matches('^[a-z]@')")).toBe(true);
    expect(run("matches('abc', 'b')")).toBe(true);
    expect(run("'abc'.matches('^b')")).toBe(false);
    expect(() => run("'a'.matches('(')")).toThrow(/invalid regular expression/);
    expect(() => run("'a'.startsWith(1)")).toThrow(/no such overload/);
  });

  it("conversions", () => {
    expect(run("string(12) + string(true) + string('s')")).toBe("12trues");
    expect(run("int('42') + int(2.9) + int(-2.9)")).toBe(42);
    expect(run("double('1.5') + double(1)")).toBe(2.5);
    expect(() => run("int('4.2')")).toThrow(/cannot parse/);
    expect(() => run("double(' 1')")).toThrow(/cannot parse/);
    expect(() => run("string(null)")).toThrow(/no such overload/);
  });

  it("rejects unknown functions and wrong call forms at run time", () => {
    expect(() => run("nope(1)")).toThrow(/no such function: nope\(int\)/);
    expect(() => run("startsWith('a', 'b')")).toThrow(/no such function/);
    expect(() => run("'1'.int()")).toThrow(/no such function/);
    expect(() => run("size('a', 'b')")).toThrow(/no such function/);
  });
});

describe("evaluateCondition", () => {
  const async = { name: "x", data: { userId: "u1", amount: 150 } };

  it("is true only for exactly true", () => {
    expect(evaluateCondition("event.data.userId == async.data.userId", { event, async })).toBe(true);
    expect(evaluateCondition("async.data.amount > 100 && async.name == 'x'", { async })).toBe(true);
    expect(evaluateCondition("async.data.amount > 200 && async.name == 'x'", { async })).toBe(false);
    expect(evaluateCondition("async.data.amount", { async })).toBe(false);
    expect(evaluateCondition("'true'", { async })).toBe(false);
  });

  it("treats runtime errors as no match", () => {
    expect(evaluateCondition("async.data.amount / 0 > 1", { async })).toBe(false);
    expect(evaluateCondition("nope()", { async })).toBe(false);
    expect(evaluateCondition("async.data.userId.x == 1", { async })).toBe(false);
    expect(evaluateCondition("!async.data.missing", { async })).toBe(false);
  });

  it("still throws on syntax errors", () => {
    expect(() => evaluateCondition("async.data ==", { async })).toThrow(/unexpected end/);
  });
});
