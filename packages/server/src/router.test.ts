import { InvalidInputError, isWeftError } from "@weft/core";
import { describe, expect, it } from "vitest";
import { Router } from "./router.js";

const noop = async () => {};

function refusal(router: Router, method: string, path: string): string {
  try {
    router.match(method, path);
  } catch (e) {
    if (isWeftError(e, InvalidInputError)) return e.message;
    throw e;
  }
  throw new Error(`${path} was matched`);
}

describe("Router", () => {
  const router = new Router().on("POST", "/e/:eventKey", noop).on("GET", "/v1/runs/:runId", noop).on("POST", "/v1/checkpoint/:runId/async", noop);

  it("refuses bad percent-encoding in a parameter as invalid input, never a URIError", () => {
    expect(refusal(router, "POST", "/e/%E0")).toMatch(/eventKey is not valid percent-encoded UTF-8/);
    expect(refusal(router, "POST", "/e/%ZZ")).toMatch(/eventKey/);
    expect(refusal(router, "GET", "/v1/runs/%ED%A0%80")).toMatch(/runId/);
    expect(refusal(router, "POST", "/v1/checkpoint/%E0/async")).toMatch(/runId/);
  });

  it("refuses a NUL character in a parameter", () => {
    expect(refusal(router, "GET", "/v1/runs/%00")).toMatch(/runId contains a NUL/);
    expect(refusal(router, "GET", "/v1/runs/a%00b")).toMatch(/NUL/);
  });

  it("decodes good parameters, and tells 404 from 405 without decoding", () => {
    expect(router.match("GET", "/v1/runs/a%2Fb%20%F0%9F%A7%B5")).toMatchObject({ params: { runId: "a/b 🧵" } });
    expect(router.match("GET", "/e/%E0")).toBe("method");
    expect(router.match("GET", "/nowhere/%E0")).toBe("not-found");
  });

  it("lists its routes", () => {
    expect(router.table()).toEqual([
      { method: "POST", pattern: "/e/:eventKey" },
      { method: "GET", pattern: "/v1/runs/:runId" },
      { method: "POST", pattern: "/v1/checkpoint/:runId/async" },
    ]);
  });
});
