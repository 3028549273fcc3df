import { describe, expect, it } from "vitest";
import { compileExpression, checkCondition } from "./compile.js";
import { expressionProblem } from "./problem.js";

const event = {
  name: "shop/order",
  data: {
    items: [
      { sku: "a", qty: 2 },
      { sku: "b", qty: 0 },
    ],
    ts: "2024-03-31T00:30:00Z",
    ms: 1711845000000,
  },
};
const run = (source: string) => compileExpression(source).evaluate({ event });

describe("CEL: the cases issue 18 found wrong", () => {
  it("keeps distinct large integers distinct (64-bit ints, not doubles)", () => {
    expect(run("9007199254740993 == 9007199254740992")).toBe(false);
    expect(run("9223372036854775807 - 1")).toBe("9223372036854775806"); // beyond 2^53: given back as decimal text
    expect(run("9007199254740993 > 9007199254740992")).toBe(true);
  });

  it("divides ints as ints and doubles as IEEE 754", () => {
    expect(run("5 / 2")).toBe(2);
    expect(run("-7 % 3")).toBe(-1);
    expect(run("5.0 / 0.0")).toBe(Infinity);
    expect(() => run("5 / 0")).toThrow(/division by zero/);
  });

  it("refuses mixed int/double arithmetic but compares across numeric types", () => {
    expect(() => run("1 + 1.0")).toThrow(/no such overload/);
    expect(run("1 == 1.0 && 1u == 1 && 2 > 1.5")).toBe(true);
    expect(run("[1, 2] == [1.0, 2u]")).toBe(true);
  });

  it("keeps map keys of int, uint and bool types", () => {
    expect(run("{1: 'one', true: 'yes'}[1]")).toBe("one");
    expect(run("{1: 'one'}[1u] == {1: 'one'}[1.0]")).toBe(true);
    expect(run("{true: 'yes'}[true]")).toBe("yes");
    expect(run("2 in {1: 'a', 2: 'b'}")).toBe(true);
    expect(() => run("{[1]: 2}")).toThrow(/unsupported map key type list/);
  });
});

describe("CEL: macros", () => {
  it("exists, all, exists_one, map and filter", () => {
    expect(run("event.data.items.exists(i, i.sku == 'b')")).toBe(true);
    expect(run("event.data.items.all(i, i.qty > 0.0)")).toBe(false);
    expect(run("event.data.items.exists_one(i, i.qty == 0.0)")).toBe(true);
    expect(run("event.data.items.map(i, i.sku)")).toEqual(["a", "b"]);
    expect(run("event.data.items.map(i, i.qty > 0.0, i.sku)")).toEqual(["a"]);
    expect(run("event.data.items.filter(i, i.qty > 0.0).size()")).toBe(1);
    expect(run("{'a': 1, 'b': 2}.all(k, k.size() == 1)")).toBe(true);
  });

  it("absorbs errors as && and || do", () => {
    expect(run("[1, 0].exists(x, 1 / x == 1)")).toBe(true);
    expect(run("[0, 1].all(x, 1 / x > 5)")).toBe(false);
    expect(() => run("[0].all(x, 1 / x > 0)")).toThrow(/division by zero/);
  });

  it("refuses a macro whose first argument is not a name, at parse time", () => {
    expect(expressionProblem("[1].all(1, true)")).toMatch(/all\(\) takes a variable name first/);
  });
});

describe("CEL: timestamps, durations, types, bytes", () => {
  it("parses, does arithmetic and reads fields in a time zone", () => {
    expect(run("timestamp('2024-03-31T00:30:00Z') + duration('1h30m')")).toBe("2024-03-31T02:00:00Z");
    expect(run("timestamp('2024-03-31T02:00:00Z') - timestamp('2024-03-31T00:30:00Z')")).toBe("5400s");
    expect(run("timestamp(event.data.ts).getHours('Europe/Paris')")).toBe(1);
    expect(run("timestamp('2024-03-31T01:30:00Z').getHours('Europe/Paris')")).toBe(3); // after the spring change
    expect(run("timestamp('2009-02-13T23:31:30Z').getDayOfWeek()")).toBe(5);
    expect(run("timestamp('2009-02-13T23:31:30Z').getHours('+05:30')")).toBe(5);
    expect(run("duration('90m').getHours()")).toBe(1);
    expect(run("timestamp('2024-01-01T00:00:00Z') < timestamp('2024-01-01T00:00:00.5Z')")).toBe(true);
    expect(() => run("timestamp('not a time')")).toThrow(/cannot parse/);
  });

  it("type(), dyn(), uint() and bytes", () => {
    expect(run("type(1) == int && type(1u) == uint && type(1.0) == double && type('') == string")).toBe(true);
    expect(run("type(event.data) == map && type([]) == list && type(null) == null_type")).toBe(true);
    expect(run("dyn(1) == 1")).toBe(true);
    expect(run("uint(5) + 2u")).toBe(7);
    expect(() => run("uint(-1)")).toThrow(/range/);
    expect(run("b'abc' + b'\\xff'")).toBe(Buffer.from([0x61, 0x62, 0x63, 0xff]).toString("base64"));
    expect(run("size(b'\\xff\\x00')")).toBe(2);
    expect(run("string(b'\\303\\277')")).toBe("ÿ");
  });
});

describe("Inngest's functions", () => {
  it("date() reads the layouts and Unix numbers Inngest reads", () => {
    expect(run("date('2024-03-31T00:30:00Z') == timestamp('2024-03-31T00:30:00Z')")).toBe(true);
    expect(run("date('2024-03-31') == timestamp('2024-03-31T00:00:00Z')")).toBe(true);
    expect(run("date('Sun, 31 Mar 2024 00:30:00 GMT') == timestamp(event.data.ts)")).toBe(true);
    expect(run("date(event.data.ms) == timestamp(event.data.ts)")).toBe(true);
    expect(run("date(1711845000) == timestamp(event.data.ts)")).toBe(true);
    expect(() => run("date(5)")).toThrow(/before 2000/);
  });

  it("now(), now_plus() and now_minus()", () => {
    expect(run("now_minus('1h') < now() && now() < now_plus('1d')")).toBe(true);
    expect(run("date(event.data.ts) < now()")).toBe(true);
    expect(run("now_plus('1w') - now() > duration('167h')")).toBe(true);
  });

  it("lowercase, uppercase, b64decode and json_parse", () => {
    expect(run("lowercase('AbC') + uppercase('x')")).toBe("abcX");
    expect(run("b64decode('aGVsbG8=')")).toBe("hello");
    expect(run('json_parse(\'{"a": {"b": 2}}\').a.b == 2')).toBe(true);
    expect(run("json_parse('not json')")).toEqual({});
  });
});

describe("checkCondition", () => {
  it("reports the runtime error instead of a silent false", () => {
    expect(checkCondition("event.data.items[5].sku == 'x'", { event })).toEqual({ matched: false, error: "list index 5 out of range 0..1" });
    expect(checkCondition("event.data.items[0].sku == 'a'", { event })).toEqual({ matched: true });
  });
});

describe("explainExpression", () => {
  it("names the false term of an && with its operands", async () => {
    const { explainExpression } = await import("./explain.js");
    const x = explainExpression("event.name == 'shop/order' && event.data.items.size() > 2 && !has(event.data.ts)", { event });
    expect(x.matched).toBe(false);
    expect(x.reasons.map((r) => r.expression)).toEqual(["event.data.items.size() > 2", "has(event.data.ts)"]);
    expect(x.reasons[0]?.value).toBe(false);
    expect(x.reasons[0]?.operands?.map((o) => o.value)).toEqual([2, 2]);
  });

  it("reports an error and a missing field", async () => {
    const { explainExpression } = await import("./explain.js");
    const x = explainExpression("event.data.items[9].sku == 'a' || event.data.nope == 'x'", { event });
    expect(x.reasons[0]?.error).toMatch(/out of range/);
    expect(x.reasons[1]?.operands?.[0]?.missing).toBe(true);
    expect(explainExpression("event.name == 'shop/order'", { event })).toMatchObject({ matched: true, reasons: [] });
  });
});
