// The replay engine driven directly (no HTTP), for cases that need its options: a short
// step-not-found timeout and a recording logger.
import { NonRetriableError, RetryAfterError } from "@weft/core";
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

describe("parallel steps in one call", () => {
  const parallel = (max = 50) => [{ parallelSteps: true }, { maxParallelSteps: max }] as const;
  const ops = (result: Awaited<ReturnType<typeof run>>) => (result.type === "steps-ran" ? result.ops.map((o) => [o.op, o.displayName]) : result.type);

  it("runs every new step.run of a Promise.all at once and answers all their results", async () => {
    let running = 0;
    let most = 0;
    const result = await run(
      async ({ step }) =>
        Promise.all(
          ["a", "b", "c"].map((p) =>
            step.run(p, async () => {
              most = Math.max(most, ++running);
              await new Promise((r) => setTimeout(r, 10));
              running--;
              return p;
            }),
          ),
        ),
      ...parallel(),
    );
    expect(most).toBe(3);
    expect(result).toEqual({
      type: "steps-ran",
      ops: ["a", "b", "c"].map((p) => ({ id: h(p), op: "StepRun", name: p, displayName: p, userland: { id: p }, data: p })),
    });
  });

  it("runs the first maxParallelSteps and leaves the rest (and any sleep) for a later call", async () => {
    const ran: string[] = [];
    const handler = async ({ step }: Parameters<RawHandler>[0]) =>
      Promise.all([step.sleep("nap", "1m"), ...["a", "b", "c"].map((p) => step.run(p, () => (ran.push(p), p)))]);
    expect(ops(await run(handler, ...parallel(2)))).toEqual([
      ["StepRun", "a"],
      ["StepRun", "b"],
    ]);
    expect(ran).toEqual(["a", "b"]);
    // The next call: a and b stored; c runs and the sleep is reported with it.
    const next = await run(handler, { steps: { [h("a")]: { data: "a" }, [h("b")]: { data: "b" } }, parallelSteps: true }, { maxParallelSteps: 2 });
    expect(ops(next)).toEqual([
      ["StepRun", "c"],
      ["Sleep", "nap"],
    ]);
  });

  it("gives repeated ids their usual suffixes, in the order the handler reached them", async () => {
    const result = await run(async ({ step }) => Promise.all([1, 2, 3].map((i) => step.run("same", () => i))), ...parallel());
    expect(result.type === "steps-ran" && result.ops.map((o) => [o.id, o.data])).toEqual([
      [h("same"), 1],
      [h("same:1"), 2],
      [h("same:2"), 3],
    ]);
  });

  it("answers each step's own outcome: a retriable error, a failure for good, the latest Retry-After", async () => {
    const result = await run(
      async ({ step }) =>
        Promise.all([
          step.run("ok", () => 1),
          step.run("soon", () => {
            throw new RetryAfterError("busy", 5_000);
          }),
          step.run("later", () => {
            throw new RetryAfterError("busier", 60_000);
          }),
          step.run("broken", () => {
            throw new NonRetriableError("no");
          }),
        ]),
      ...parallel(),
    );
    expect(ops(result)).toEqual([
      ["StepRun", "ok"],
      ["StepError", "soon"],
      ["StepError", "later"],
      ["StepFailed", "broken"],
    ]);
    expect(result).toMatchObject({ retryAfter: "60" });
  });

  it("keeps the classic path beside a wait, without the server's consent, or with immediate execution off", async () => {
    const two = async ({ step }: Parameters<RawHandler>[0]) => Promise.all([step.run("a", () => 1), step.run("b", () => 2)]);
    const withWait = async ({ step }: Parameters<RawHandler>[0]) =>
      Promise.all([step.run("a", () => 1), step.run("b", () => 2), step.waitForEvent("w", { event: "x", timeout: "1h" })]);
    for (const result of [
      await run(withWait, ...parallel()),
      await run(two, {}, { maxParallelSteps: 50 }),
      await run(two, { parallelSteps: true, disableImmediateExecution: true }, { maxParallelSteps: 50 }),
      await run(two, { parallelSteps: true }, { maxParallelSteps: 1 }),
    ]) {
      expect(result.type).toBe("steps-found");
    }
  });
});
