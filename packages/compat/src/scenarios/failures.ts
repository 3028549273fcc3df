// Failure semantics (protocol §8): retries per step and per function, NonRetriableError,
// RetryAfterError, a failed step caught as StepError, onFailure, cancelOn.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, sendEvents, stepsOf } from "../harness.js";
import type { CompatEvent, SdkUnderTest } from "../sdk-under-test.js";
import { serveAndSync } from "../serve-inngest.js";
import { Counter, getRun, runsOfFunction, stepWhere, useWeft } from "./context.js";

export function failureScenarios(sdk: SdkUnderTest): void {
  describe("failures", () => {
    // Retries come quickly (50 ms); a Retry-After of 1 s stands out against that.
    const env = useWeft({ retryIntervalMs: 50 });
    const c = new Counter();

    beforeAll(async () => {
      const client = sdk.createClient({ id: "failures", baseUrl: env.weft.url });
      const fn = client.createFunction.bind(client);
      const fns = [
        fn({ id: "flaky", retries: 2 }, [{ event: "compat/fail.flaky" }], async ({ step, runId }) =>
          step.run("flaky-step", () => {
            c.hit(runId, "flaky");
            const n = c.count(runId, "flaky");
            if (n < 3) throw new Error(`flaky ${n}`);
            return { succeededOn: n };
          }),
        ),
        fn({ id: "exhausted", retries: 1 }, [{ event: "compat/fail.exhausted" }], async ({ step, runId }) =>
          step.run("always-fails", () => {
            c.hit(runId, "always");
            throw new Error("always fails");
          }),
        ),
        fn({ id: "body-fails", retries: 1 }, [{ event: "compat/fail.body" }], async ({ runId }) => {
          c.hit(runId, "body");
          throw new Error("body broke");
        }),
        fn({ id: "non-retriable", retries: 3 }, [{ event: "compat/fail.non-retriable" }], async ({ step, runId }) =>
          step.run("give-up", () => {
            c.hit(runId, "give-up");
            throw new sdk.NonRetriableError("stop now");
          }),
        ),
        fn({ id: "retry-after", retries: 1 }, [{ event: "compat/fail.retry-after" }], async ({ step, runId }) =>
          step.run("later", () => {
            c.hit(runId, "later");
            if (c.count(runId, "later") === 1) throw new sdk.RetryAfterError("not yet", 1000);
            return "ok";
          }),
        ),
        fn({ id: "catches", retries: 0 }, [{ event: "compat/fail.catch" }], async ({ step }) => {
          try {
            await step.run("explode", () => {
              throw new Error("kaboom");
            });
            return "not caught";
          } catch (e) {
            const err = e as Error;
            return { isStepError: e instanceof sdk.StepError, name: err.name, message: err.message };
          }
        }),
        fn(
          {
            id: "failing",
            retries: 0,
            onFailure: async ({ error, event }) => ({ message: error.message, original: (event.data.event as CompatEvent).data }),
          },
          [{ event: "compat/fail.failing" }],
          async ({ event }) => {
            throw new Error(`boom ${String(event.data.tag)}`);
          },
        ),
        fn(
          { id: "cancellable", cancelOn: [{ event: "compat/fail.cancel", match: "data.orderId" }] },
          [{ event: "compat/fail.cancellable" }],
          async ({ step, runId }) => {
            await step.sleep("long", "1h");
            c.hit(runId, "after-sleep");
            return "not cancelled";
          },
        ),
      ];
      await serveAndSync(env.weft, sdk, client, fns).then(env.track);
    });

    it("retries a failing step (retries: 2 → 3 attempts) until it succeeds", async () => {
      const run = await runOf(env.weft, "compat/fail.flaky");
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ succeededOn: 3 });
      expect(c.count(run.run_id, "flaky")).toBe(3);
    });

    it("fails the run once a step's retries are exhausted (retries: 1 → 2 attempts)", async () => {
      const run = await runOf(env.weft, "compat/fail.exhausted");
      const failed = await runWithStatus(env.weft, run.run_id, "Failed");
      expect(JSON.stringify(failed.output)).toContain("always fails");
      expect(c.count(run.run_id, "always")).toBe(2);
    });

    it("retries an error thrown outside any step, then fails", async () => {
      const run = await runOf(env.weft, "compat/fail.body");
      const failed = await runWithStatus(env.weft, run.run_id, "Failed");
      expect(JSON.stringify(failed.output)).toContain("body broke");
      expect(c.count(run.run_id, "body")).toBe(2);
    });

    it("NonRetriableError fails at once despite retries", async () => {
      const run = await runOf(env.weft, "compat/fail.non-retriable");
      const failed = await runWithStatus(env.weft, run.run_id, "Failed");
      expect(JSON.stringify(failed.output)).toContain("stop now");
      expect(c.count(run.run_id, "give-up")).toBe(1);
    });

    it("RetryAfterError delays the retry by the time it asks for", async () => {
      const run = await runOf(env.weft, "compat/fail.retry-after");
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBe("ok");
      const [first, second] = c.at(run.run_id, "later");
      expect(second! - first!).toBeGreaterThanOrEqual(950);
    });

    it("a failed step throws a StepError the function can catch", async () => {
      const run = await runOf(env.weft, "compat/fail.catch");
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ isStepError: true, name: "Error", message: "kaboom" });
      const steps = await stepsOf(env.weft, run.run_id);
      expect(steps.find((s) => s.status === "Failed")?.error).toMatchObject({ message: "kaboom" });
    });

    it("onFailure runs after the function fails, with the error and the original event", async () => {
      const tag = randomUUID();
      const run = await runOf(env.weft, "compat/fail.failing", { tag });
      await runWithStatus(env.weft, run.run_id, "Failed");
      const handled = await runsOfFunction(env.weft, "failures-failing-failure", 1, "Completed");
      expect(handled.map((r) => r.output)).toContainEqual({ message: `boom ${tag}`, original: { tag } });
    });

    it("cancelOn cancels only the run whose event matches; it never resumes", async () => {
      const mine = await runOf(env.weft, "compat/fail.cancellable", { orderId: "mine" });
      const other = await runOf(env.weft, "compat/fail.cancellable", { orderId: "other" });
      for (const run of [mine, other]) await stepWhere(env.weft, run.run_id, (s) => s.op === "Sleep", "the sleep");
      await sendEvents(env.weft, { name: "compat/fail.cancel", data: { orderId: "mine" } });
      await runWithStatus(env.weft, mine.run_id, "Cancelled");
      expect((await getRun(env.weft, other.run_id)).status).toBe("Running");
      await sendEvents(env.weft, { name: "compat/fail.cancel", data: { orderId: "other" } });
      await runWithStatus(env.weft, other.run_id, "Cancelled");
      expect(c.count(mine.run_id, "after-sleep") + c.count(other.run_id, "after-sleep")).toBe(0);
    });
  });
}
