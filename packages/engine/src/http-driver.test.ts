import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { interpret } from "./http-driver.js";

const sdk = { "x-inngest-sdk": "js:v3.0.0" };

/** A header getter as undici gives them: lower-case names, undefined when absent. */
function answer(status: number, headers: Record<string, string>, body: unknown) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return interpret(status, (name) => headers[name], text);
}

const now = Date.UTC(2026, 3, 1, 12, 0, 0);
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(now);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("interpret: success", () => {
  it("reads 200 as the function's return value", () => {
    expect(answer(200, sdk, { ok: 1 })).toEqual({ type: "complete", data: { ok: 1 }, version: undefined });
    expect(answer(200, sdk, "")).toEqual({ type: "complete", data: null, version: undefined });
    expect(answer(201, sdk, "42")).toEqual({ type: "complete", data: 42, version: undefined });
  });

  it("reads a 206 array as ops, with the no-retry and retry-after headers", () => {
    const ops = [
      { id: "a1", op: "StepRun", name: "a", data: 1 },
      { id: "b2", op: "Sleep", name: "1h" },
    ];
    expect(answer(206, sdk, ops)).toEqual({ type: "ops", ops, version: undefined, noRetry: false, retryAfterMs: undefined });
    expect(answer(206, { ...sdk, "x-inngest-no-retry": "true", "retry-after": "30" }, ops)).toEqual({
      type: "ops",
      ops,
      version: undefined,
      noRetry: true,
      retryAfterMs: 30_000,
    });
  });

  it("reads a 206 holding only RunComplete (and lazy ops) as complete", () => {
    expect(answer(206, sdk, [{ id: "c", op: "RunComplete", data: "done" }])).toEqual({
      type: "complete",
      data: "done",
      version: undefined,
    });
    expect(answer(206, sdk, [{ id: "c", op: "RunComplete" }])).toEqual({ type: "complete", data: null, version: undefined });
    expect(
      answer(206, sdk, [
        { id: "d", op: "DeferAdd" },
        { id: "c", op: "RunComplete", data: { n: 2 } },
      ]),
    ).toEqual({ type: "complete", data: { n: 2 }, version: undefined });
    // Anything else alongside RunComplete still needs the executor.
    const mixed = [
      { id: "s", op: "StepRun", data: 1 },
      { id: "c", op: "RunComplete", data: 2 },
    ];
    expect(answer(206, sdk, mixed)).toMatchObject({ type: "ops", ops: mixed });
  });

  it("accepts a 206 with a single op object rather than an array", () => {
    const op = { id: "a1", op: "StepRun", name: "a", data: 1 };
    expect(answer(206, sdk, op)).toMatchObject({ type: "ops", ops: [op] });
    expect(answer(206, sdk, { id: "c", op: "RunComplete", data: 7 })).toEqual({ type: "complete", data: 7, version: undefined });
  });

  it("reads x-inngest-req-version", () => {
    expect(answer(200, { ...sdk, "x-inngest-req-version": "1" }, null)).toMatchObject({ type: "complete", version: 1 });
    expect(answer(206, { ...sdk, "x-inngest-req-version": "2" }, [{ id: "a", op: "StepRun" }])).toMatchObject({ version: 2 });
    expect(answer(500, { ...sdk, "x-inngest-req-version": "0" }, { message: "x" })).toMatchObject({ type: "error", version: 0 });
    expect(answer(200, { ...sdk, "x-inngest-req-version": "" }, null)).toMatchObject({ version: undefined });
  });
});

describe("interpret: bad responses", () => {
  it("retries a 2xx without the x-inngest-sdk header: not an SDK answering", () => {
    const res = answer(200, {}, { ok: 1 });
    expect(res).toMatchObject({ type: "error", retriable: true, error: { name: "InvalidResponse" } });
    expect(res.type === "error" && res.error.message).toContain("x-inngest-sdk");
    expect(answer(206, {}, [{ id: "a", op: "StepRun" }])).toMatchObject({ type: "error", retriable: true });
  });

  it("retries a body that is not JSON, whatever the status", () => {
    for (const status of [200, 206, 500]) {
      const res = answer(status, sdk, "<html>Bad Gateway</html>");
      expect(res).toMatchObject({ type: "error", retriable: true, error: { name: "InvalidResponse" } });
      expect(res.type === "error" && res.error.message).toContain("<html>Bad Gateway</html>");
    }
  });

  it("retries a 206 whose ops are not objects", () => {
    expect(answer(206, sdk, [null])).toMatchObject({ type: "error", retriable: true, error: { name: "InvalidResponse" } });
  });
});

describe("interpret: errors", () => {
  it("keeps the SDK's serialized error", () => {
    const error = { name: "TypeError", message: "x is undefined", stack: "at fn", __serialized: true };
    expect(answer(500, sdk, error)).toEqual({ type: "error", error, retriable: true, retryAfterMs: undefined, version: undefined });
    expect(answer(500, sdk, { error: "boom" })).toMatchObject({ error: { name: "Error", message: "boom" } });
    expect(answer(502, {}, "")).toMatchObject({ error: { name: "Error", message: "the app answered 502: null" } });
  });

  it("obeys x-inngest-no-retry", () => {
    expect(answer(500, { ...sdk, "x-inngest-no-retry": "false" }, { message: "m" })).toMatchObject({ type: "error", retriable: true });
    expect(answer(400, { ...sdk, "x-inngest-no-retry": "true" }, { message: "m" })).toMatchObject({ type: "error", retriable: false });
    expect(answer(500, { ...sdk, "x-inngest-no-retry": "true" }, { message: "m" })).toMatchObject({ retriable: false });
  });

  it("retries a 4xx without x-inngest-no-retry, as Inngest's Go server does", () => {
    expect(answer(400, sdk, { message: "m" })).toMatchObject({ type: "error", retriable: true });
    expect(answer(404, {}, "")).toMatchObject({ type: "error", retriable: true });
  });

  it("reads retry-after in seconds, clamped to 1 s - 24 h", () => {
    const after = (value: string) => {
      const res = answer(500, { ...sdk, "retry-after": value }, { message: "m" });
      return res.type === "error" ? res.retryAfterMs : "not an error";
    };
    expect(after("30")).toBe(30_000);
    expect(after("1.5")).toBe(1500);
    expect(after("0")).toBe(1000);
    expect(after("-10")).toBe(1000);
    expect(after(String(3 * 24 * 3600))).toBe(24 * 3600_000);
    expect(after("")).toBeUndefined();
    expect(after("soon")).toBeUndefined();
  });

  it("reads retry-after as an HTTP date, relative to now and clamped", () => {
    const after = (value: string) => {
      const res = answer(429, { ...sdk, "retry-after": value }, { message: "m" });
      return res.type === "error" ? res.retryAfterMs : "not an error";
    };
    expect(after(new Date(now + 90_000).toUTCString())).toBe(90_000);
    expect(after(new Date(now + 2 * 3600_000).toISOString())).toBe(2 * 3600_000);
    expect(after(new Date(now - 60_000).toUTCString())).toBe(1000);
    expect(after(new Date(now + 3 * 24 * 3600_000).toUTCString())).toBe(24 * 3600_000);
  });
});
