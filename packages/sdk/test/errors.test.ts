import { NonRetriableError, RetryAfterError, StepError, Weft, isWeftError, serve } from "@weft/sdk";
import { describe, expect, it } from "vitest";
import { call, event, h, ops, startApp } from "./helpers.js";

const weft = new Weft({ id: "app", baseUrl: "http://127.0.0.1:9" });

describe("step errors", () => {
  const failing = (error: () => Error) =>
    weft.createFunction({ id: "fails" }, { event: "app/test" }, async ({ step }) => {
      await step.run("boom", () => {
        throw error();
      });
    });

  it("is a retriable StepError before the last attempt", async () => {
    const app = await startApp(serve({ client: weft, functions: [failing(() => new Error("nope"))] }));
    const res = await call(app, { fnId: "app-fails", attempt: 0, maxAttempts: 4 });
    expect(res.headers.get("x-inngest-no-retry")).toBe("false");
    const [op] = ops(res);
    expect(op).toMatchObject({ id: h("boom"), op: "StepError", name: "boom", error: { name: "Error", message: "nope", __serialized: true } });
    expect(op).not.toHaveProperty("data");
  });

  it("is StepFailed on the last attempt (attempt == max_attempts - 1)", async () => {
    const app = await startApp(serve({ client: weft, functions: [failing(() => new Error("nope"))] }));
    const res = await call(app, { fnId: "app-fails", attempt: 3, maxAttempts: 4 });
    expect(res.status).toBe(206);
    expect(res.headers.get("x-inngest-no-retry")).toBe("true");
    expect(ops(res)[0]).toMatchObject({
      op: "StepFailed",
      error: { name: "Error", message: "nope" },
      data: { __serialized: true, name: "Error", message: "nope", stack: "" },
    });
  });

  it("is StepFailed at once for a NonRetriableError", async () => {
    const app = await startApp(serve({ client: weft, functions: [failing(() => new NonRetriableError("bad input"))] }));
    const res = await call(app, { fnId: "app-fails", attempt: 0, maxAttempts: 4 });
    expect(ops(res)[0]).toMatchObject({ op: "StepFailed", error: { name: "NonRetriableError", message: "bad input" } });
  });

  it("sets retry-after for a RetryAfterError", async () => {
    const app = await startApp(serve({ client: weft, functions: [failing(() => new RetryAfterError("busy", 30_000))] }));
    const res = await call(app, { fnId: "app-fails" });
    expect(res.headers.get("retry-after")).toBe("30");
    expect(res.headers.get("x-inngest-no-retry")).toBe("false");
    expect(ops(res)[0]).toMatchObject({ op: "StepError", error: { name: "RetryAfterError" } });
  });

  it("throws a memoized {error} into user code as a catchable StepError", async () => {
    let caught: unknown;
    const fn = weft.createFunction({ id: "catch" }, { event: "app/test" }, async ({ step }) => {
      try {
        await step.run("boom", () => "never runs");
      } catch (err) {
        caught = err;
        return await step.run("fallback", () => "recovered");
      }
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const steps = { [h("boom")]: { error: { name: "TypeError", message: "broke", stack: "TypeError: broke" } } };
    const res = await call(app, { fnId: "app-catch", steps });
    expect(ops(res)).toEqual([expect.objectContaining({ id: h("fallback"), op: "StepRun", data: "recovered" })]);
    expect(isWeftError(caught, StepError)).toBe(true);
    expect(caught).toMatchObject({ name: "StepError", stepId: "boom", message: "broke" });
    expect((caught as StepError).cause).toMatchObject({ name: "TypeError", message: "broke" });
  });

  it("fails the run without retries when a failed step is not caught", async () => {
    const fn = weft.createFunction({ id: "uncaught" }, { event: "app/test" }, async ({ step }) => step.run("boom", () => 1));
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const res = await call(app, { fnId: "app-uncaught", steps: { [h("boom")]: { error: { name: "Error", message: "x" } } } });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-inngest-no-retry")).toBe("true");
    expect(res.body).toMatchObject({ name: "StepError", message: "x" });
  });
});

describe("function-level errors", () => {
  const throwing = (error: () => Error) =>
    weft.createFunction({ id: "throws" }, { event: "app/test" }, async () => {
      throw error();
    });

  it("answers 500 + no-retry false for a plain error", async () => {
    const app = await startApp(serve({ client: weft, functions: [throwing(() => new Error("oops"))] }));
    const res = await call(app, { fnId: "app-throws" });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-inngest-no-retry")).toBe("false");
    expect(res.body).toMatchObject({ name: "Error", message: "oops", __serialized: true });
  });

  it("answers 400 + no-retry true for a NonRetriableError", async () => {
    const app = await startApp(serve({ client: weft, functions: [throwing(() => new NonRetriableError("stop"))] }));
    const res = await call(app, { fnId: "app-throws" });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-inngest-no-retry")).toBe("true");
    expect(res.body).toMatchObject({ name: "NonRetriableError", message: "stop" });
  });

  it("answers 400 + no-retry true on the last attempt", async () => {
    const app = await startApp(serve({ client: weft, functions: [throwing(() => new Error("oops"))] }));
    const res = await call(app, { fnId: "app-throws", attempt: 2, maxAttempts: 3 });
    expect([res.status, res.headers.get("x-inngest-no-retry")]).toEqual([400, "true"]);
  });

  it("answers 500 + retry-after for a RetryAfterError", async () => {
    const at = new Date("2030-01-01T00:00:00.000Z");
    const app = await startApp(serve({ client: weft, functions: [throwing(() => new RetryAfterError("later", at))] }));
    const res = await call(app, { fnId: "app-throws" });
    expect(res.status).toBe(500);
    expect(res.headers.get("retry-after")).toBe(at.toISOString());
    expect(res.headers.get("x-inngest-no-retry")).toBe("false");
  });
});

describe("onFailure", () => {
  it("registers as <id>-failure and receives the error rebuilt from event.data.error", async () => {
    let seen: { error?: Error; event?: unknown } = {};
    const fn = weft.createFunction(
      {
        id: "flaky",
        onFailure: async ({ error, event }) => {
          seen = { error, event };
          return "handled";
        },
      },
      { event: "app/test" },
      async () => "fine",
    );
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const failed = event("inngest/function.failed", {
      function_id: "app-flaky",
      run_id: "01RUN",
      error: { name: "TypeError", message: "it broke", stack: "TypeError: it broke\n    at x" },
      event: event("app/test"),
    });
    const res = await call(app, { fnId: "app-flaky-failure", event: failed });
    expect([res.status, res.body]).toEqual([200, "handled"]);
    expect(seen.error).toBeInstanceOf(Error);
    expect(seen.error).toMatchObject({ name: "TypeError", message: "it broke" });
    expect(seen.event).toEqual(failed);
  });
});
