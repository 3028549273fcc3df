import { explainExpression } from "@weft/core";
import { describe, expect, it } from "vitest";
import { formatExplanation } from "./explain-command.js";

describe("weft explain-filter output", () => {
  const event = { name: "shop/order", data: { total: 80, country: "FR" } };

  it("names the false term and its operands' values", () => {
    const text = formatExplanation(explainExpression("event.data.total > 100.0 && event.data.country == 'FR'", { event }));
    expect(text).toBe(
      ["does not match: the filter is false", "  event.data.total > 100.0 is false", "    event.data.total = 80", "    100.0 = 100"].join("\n"),
    );
  });

  it("says matches, and shows errors and missing fields", () => {
    expect(formatExplanation(explainExpression("event.data.country == 'FR'", { event }))).toBe("matches");
    const text = formatExplanation(explainExpression("event.data.total / 0 == 1 || event.data.city == 'Paris'", { event }));
    expect(text).toContain("is an error: no such overload: double / int");
    expect(text).toContain("event.data.city = missing (no such field)");
  });
});
