import { describe, expect, it } from "vitest";
import { compileExpression, evaluateCondition } from "./compile.js";
import { parse } from "./parser.js";
import { substituteVariable } from "./substitute.js";

const event = {
  name: "app/signup",
  data: {
    userId: "u1",
    amount: 150,
    quote: `she said "hi" \\ left`,
    nested: { list: [1, { a: null, b: "x" }], empty: {}, flag: false },
    tags: ["a", "b"],
  },
};

describe("substituteVariable", () => {
  it("freezes paths of the variable into literals and leaves others alone", () => {
    expect(substituteVariable("event.data.userId == async.data.userId", "event", event)).toBe('"u1" == async.data.userId');
    expect(substituteVariable("async.data.amount > event.data.amount * 2.0", "event", event)).toBe("async.data.amount > 150.0 * 2.0");
    expect(substituteVariable('event["data"]["tags"][1] == async.name', "event", event)).toBe('"b" == async.name');
  });

  it("replaces a missing path, or a field of a scalar, by null", () => {
    expect(substituteVariable("event.data.nope.deeper == async.x", "event", event)).toBe("null == async.x");
    expect(substituteVariable("event.data.userId.x == async.x", "event", event)).toBe("null == async.x");
    expect(substituteVariable("event.data.tags[5] == async.x", "event", event)).toBe("null == async.x");
  });

  it("turns has() on the variable into a constant", () => {
    expect(substituteVariable("has(event.data.userId) && has(async.data.x)", "event", event)).toBe("true && has(async.data.x)");
    expect(substituteVariable("!has(event.data.nope.x)", "event", event)).toBe("!false");
  });

  it("keeps non-constant indexes and freezes only the constant prefix", () => {
    expect(substituteVariable("event.data.tags[async.data.i] == 'a'", "event", event)).toBe('["a", "b"][async.data.i] == "a"');
  });

  it("keeps method calls working on the frozen value", () => {
    const frozen = substituteVariable("event.data.quote.startsWith(async.data.prefix)", "event", event);
    expect(frozen).toBe(String.raw`"she said \"hi\" \\ left".startsWith(async.data.prefix)`);
    expect(evaluateCondition(frozen, { async: { data: { prefix: 'she said "' } } })).toBe(true);
  });

  it("writes objects and arrays as map and list literals that read back to the same value", () => {
    const frozen = substituteVariable("event", "event", event);
    expect(compileExpression(frozen).evaluate({})).toEqual(event);
    expect(substituteVariable("event.data.nested", "event", event)).toBe('{"list": [1.0, {"a": null, "b": "x"}], "empty": {}, "flag": false}');
  });

  it("round-trips awkward strings exactly", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal "${x}" is one of the awkward strings under test
    for (const s of [`'"`, "\\", "\\\\n", "\n\r\t\x00\x1b", "\u2028é😀", "\ud800", "${x}", "a'b\"c"]) {
      const frozen = substituteVariable("event.s", "event", { s });
      expect(compileExpression(frozen).evaluate({})).toBe(s);
    }
  });

  it("round-trips numbers and drops what JSON would drop", () => {
    const value = { n: -12.5, z: -0, big: 1e21, small: 5e-324, skip: undefined, fn: () => 1, when: new Date(0) };
    const frozen = substituteVariable("event", "event", value);
    expect(compileExpression(frozen).evaluate({})).toEqual({
      n: -12.5,
      z: -0,
      big: 1e21,
      small: 5e-324,
      when: "1970-01-01T00:00:00.000Z",
    });
  });

  it("gives the same verdict before and after freezing", () => {
    const conditions = [
      "event.data.userId == async.data.userId",
      "async.data.amount > event.data.amount && event.data.nested.flag == false",
      "event.data.nested.list[1].b in async.data.tags",
      "event.data.missing != async.data.userId",
      "has(event.data.nested.empty) ? async.data.amount == 150 : false",
    ];
    const async = { name: "x", data: { userId: "u1", amount: 200, tags: ["x"] } };
    for (const c of conditions) {
      const frozen = substituteVariable(c, "event", event);
      expect(evaluateCondition(frozen, { async }), frozen).toBe(evaluateCondition(c, { event, async }));
      expect(parse(substituteVariable(frozen, "event", event))).toEqual(parse(frozen));
    }
  });

  it("refuses values nested too deeply to print", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 500; i++) deep = [deep];
    expect(() => substituteVariable("event.x", "event", { x: deep })).toThrow(/nested deeper/);
  });

  it("throws on a syntax error in the source", () => {
    expect(() => substituteVariable("event.data ==", "event", event)).toThrow(/unexpected end/);
  });
});
