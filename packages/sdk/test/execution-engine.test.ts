// The replay engine driven directly (no HTTP), for cases that need its options: a short
// step-not-found timeout and a recording logger.
import { describe, expect, it } from "vitest";
import { execute } from "../src/execution.js";
import type { ExecutionOptions, ExecutionRequest } from "../src/execution.js";
import type { RawHandler } from "../src/function.js";
import { event, h } from "./helpers.js";

function run(handler: RawHandler, request: Partial<ExecutionRequest> = {}, options: Partial<ExecutionOptions> = {}) {
  const e = event("app/test");
  return execute(
    {
      handler,
      appId: "app",
      send: async () => ({ ids: [] }),
      logger: console,
      ...options,
    },
    {
      event: e,
      events: [e],
      steps: {},
      stack: [],
      runId: "01RUN",
      attempt: 0,
      maxAttempts: 4,
      disableImmediateExecution: false,
      requestedStepId: undefined,
      checkpointTarget: undefined,
      ...request,
    },
  );
}

describe("execution engine", () => {
  it("never runs a requested step that already has state, and times out looking for it", async () => {
    let runs = 0;
    const result = await run(
      async ({ step }) => {
        await step.run("a", () => ++runs);
        await step.run("b", () => ++runs);
      },
      { steps: { [h("a")]: { data: 1 } }, requestedStepId: h("a") },
      { stepNotFoundTimeoutMs: 20 },
    );
    expect(runs).toBe(0);
    expect(result).toEqual({
      type: "step-not-found",
      requestedStep: h("a"),
      foundSteps: [{ id: h("b"), op: "StepPlanned", name: "b", displayName: "b", userland: { id: "b" } }],
    });
  });

  it("lets a memoized sleep win a race without reporting the losing step", async () => {
    const result = await run(
      async ({ step }) => {
        const winner = await Promise.race([step.run("slow", () => "slow"), step.sleep("timeout", "1m").then(() => "timeout")]);
        return winner;
      },
      { steps: { [h("timeout")]: null } },
    );
    expect(result).toEqual({ type: "function-resolved", data: "timeout" });
  });

  it("fails a step that calls another step, without retries", async () => {
    const result = await run(async ({ step }) => {
      await step.run("outer", () => step.run("inner", () => 1));
    });
    expect(result).toMatchObject({
      type: "step-ran",
      retriable: false,
      op: { op: "StepFailed", id: h("outer"), error: { name: "NonRetriableError", message: expect.stringContaining("cannot be nested") } },
    });
  });

  it("silences the logger while memoized steps replay", async () => {
    const lines: unknown[] = [];
    const logger = { debug: () => {}, info: (...a: unknown[]) => lines.push(a.join(" ")), warn: () => {}, error: () => {} };
    await run(
      async ({ step, logger: log }) => {
        log.info("start");
        await step.run("a", () => 1);
        log.info("after a");
        await step.run("b", () => log.info("inside b"));
      },
      { steps: { [h("a")]: { data: 1 } } },
      { logger },
    );
    expect(lines).toEqual(["after a", "inside b"]);
  });

  it("uses edited input from an {input} memo when running the step", async () => {
    const result = await run(async ({ step }) => step.run("add", (a: unknown, b: unknown) => Number(a) + Number(b), 1, 2), {
      steps: { [h("add")]: { input: [10, 20] } },
    });
    expect(result).toMatchObject({ type: "step-ran", op: { op: "StepRun", data: 30 } });
  });
});
