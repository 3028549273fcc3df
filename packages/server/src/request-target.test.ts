import { describe, expect, it } from "vitest";
import { parseRequestTarget } from "./request-target.js";

const pathOf = (raw: string) => {
  const t = parseRequestTarget(raw);
  return "error" in t ? t.error : t.pathname;
};

describe("parseRequestTarget", () => {
  it("refuses absolute-form targets that are not URLs, instead of throwing", () => {
    expect(pathOf("http://a:99999/")).toMatch(/not a valid URL/);
    expect(pathOf("http://[/v1/runs")).toMatch(/not a valid URL/);
    expect(pathOf("*")).toMatch(/not a valid URL/);
  });

  it("keeps only the path of an absolute-form target, and never reads a host from origin-form", () => {
    expect(pathOf("http://example.com:8288/v1/runs?x=1")).toBe("/v1/runs");
    expect(pathOf("//a:99999/")).toBe("/a:99999");
    expect(pathOf("//v1/runs")).toBe("/v1/runs");
  });

  it("normalises the path the API-token check and the router both see", () => {
    expect(pathOf("/v1//runs/")).toBe("/v1/runs");
    expect(pathOf("/e/../v1/runs")).toBe("/v1/runs");
    expect(pathOf("/v1/checkpoint/%2e%2e/%2e%2e/v1/runs")).toBe("/v1/runs");
    expect(pathOf("/e/%E0")).toBe("/e/%E0");
  });

  it("refuses a NUL in a query key or value", () => {
    expect(pathOf("/v1/events?name=%00")).toMatch(/"name" contains a NUL/);
    expect(pathOf("/v1/events?cursor=a%00b")).toMatch(/"cursor" contains a NUL/);
    expect(pathOf("/v1/events?%00=1")).toMatch(/NUL/);
    const ok = parseRequestTarget("/v1/events?name=%E0&limit=5");
    expect("error" in ok ? ok.error : ok.query.get("limit")).toBe("5");
  });
});
