import { describe, expect, it } from "vitest";
import { eventKeyAccepted } from "./auth.js";

describe("eventKeyAccepted", () => {
  it("accepts any configured key, and any key when none is configured (dev)", () => {
    expect(eventKeyAccepted("b", ["a", "b"])).toBe(true);
    expect(eventKeyAccepted("anything", [])).toBe(true);
  });

  it("refuses other keys, prefixes and extensions of keys, and the empty key", () => {
    for (const given of ["c", "", "b ", "bb", "secret-key-", "secret-key-1x", "SECRET-KEY-1"]) {
      expect(eventKeyAccepted(given, ["secret-key-1", "b"]), given).toBe(false);
    }
  });
});
