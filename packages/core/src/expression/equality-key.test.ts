import { describe, expect, it } from "vitest";
import { extractEqualityKey } from "./equality-key.js";

describe("extractEqualityKey", () => {
  it("finds `variable.path == literal` in either order", () => {
    expect(extractEqualityKey("async.data.user.id == 'u1'", "async")).toEqual({ path: "data.user.id", value: '"u1"' });
    expect(extractEqualityKey('"u1" == async.data.user.id', "async")).toEqual({ path: "data.user.id", value: '"u1"' });
    expect(extractEqualityKey("async.data.n == -4.5", "async")).toEqual({ path: "data.n", value: "-4.5" });
    expect(extractEqualityKey("true == async.data.ok", "async")).toEqual({ path: "data.ok", value: "true" });
    expect(extractEqualityKey("async.data.x == null", "async")).toEqual({ path: "data.x", value: "null" });
  });

  it("encodes the literal as canonical JSON, so 1.0 and 1 give the same key", () => {
    expect(extractEqualityKey("async.data.n == 1.0", "async")).toEqual({ path: "data.n", value: "1" });
    expect(extractEqualityKey(String.raw`async.name == 'a"b\\c'`, "async")).toEqual({
      path: "name",
      value: String.raw`"a\"b\\c"`,
    });
  });

  it("accepts string indexes as path steps", () => {
    expect(extractEqualityKey("async['data'].id == 3", "async")).toEqual({ path: "data.id", value: "3" });
  });

  it("takes the first qualifying term of a top-level && chain", () => {
    expect(extractEqualityKey("async.data.amount > 100 && async.name == 'x' && async.data.id == 2", "async")).toEqual({
      path: "name",
      value: '"x"',
    });
    expect(extractEqualityKey("(a && async.data.id == 2) && async.name == 'x'", "async")).toEqual({
      path: "data.id",
      value: "2",
    });
  });

  it("finds nothing when no term pins the field", () => {
    for (const source of [
      "async.data.id == 1 || async.data.id == 2",
      "async.data.id != 1",
      "async.data.id == event.data.id",
      "async.data.id == async.data.other",
      "async.data.id == [1]",
      "async.data.id == -(1)",
      "async.data.id > 1",
      "!(async.data.id == 1)",
      "async == 1",
      "async.data.items[0] == 1",
      "async['a.b'] == 1",
      "event.data.id == 1",
      "other.async.id == 1",
      "async.data.id.size() == 1",
      "true ? async.data.id == 1 : false",
    ]) {
      expect(extractEqualityKey(source, "async"), source).toBeUndefined();
    }
  });

  it("works for a trigger expression over `event`", () => {
    expect(extractEqualityKey("event.data.function_id == 'my-app-fn'", "event")).toEqual({
      path: "data.function_id",
      value: '"my-app-fn"',
    });
  });
});
