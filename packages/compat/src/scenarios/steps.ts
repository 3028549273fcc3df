// Every step kind with its real semantics: run (with input arguments), sleep, sleepUntil,
// waitForEvent, sendEvent, invoke, and parallel steps that are never scheduled twice.
import { setTimeout as delay } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, sendEvents, stepsOf, waitFor, type ApiRun, type TestWeft } from "../harness.js";
import type { CompatClient, SdkUnderTest } from "../sdk-under-test.js";
import { serveAndSync } from "../serve-inngest.js";
import { Counter, runsOfFunction, sha1Hex, stepWhere, useWeft } from "./context.js";

export function stepScenarios(sdk: SdkUnderTest): void {
  describe("steps", () => {
    const env = useWeft();
    const c = new Counter();
    let client: CompatClient;

    beforeAll(async () => {
      client = sdk.createClient({ id: "steps", baseUrl: env.weft.url });
      const fn = client.createFunction.bind(client);

      const runInput = fn({ id: "run-input" }, [{ event: "compat/steps.run-input" }], async ({ step, runId }) => {
        const sum = await step.run(
          "add",
          (a: number, b: number) => {
            c.hit(runId, "add");
            return a + b;
          },
          1,
          2,
        );
        const greeting = await step.run("greet", (name: string) => `hello ${name}`, "weft");
        const value = await step.run("object", () => ({ nested: { list: [1, "two", null] } }));
        return { sum, greeting, value };
      });

      const sleeper = fn({ id: "sleeper" }, [{ event: "compat/steps.sleep" }], async ({ step }) => {
        const before = await step.run("before", () => Date.now());
        await step.sleep("nap", "1s");
        const afterNap = await step.run("after-nap", () => Date.now());
        const target = afterNap + 1000;
        await step.sleepUntil("until", new Date(target));
        const after = await step.run("after", () => Date.now());
        return { napped: afterNap - before, lateBy: after - target };
      });

      const waiter = fn({ id: "waiter" }, [{ event: "compat/steps.wait" }], async ({ step }) => {
        const reply = await step.waitForEvent("reply", { event: "compat/steps.reply", match: "data.orderId", timeout: "10s" });
        const approval = await step.waitForEvent("approval", {
          event: "compat/steps.approval",
          if: "async.data.amount > 100 && event.data.orderId == async.data.orderId",
          timeout: "10s",
        });
        const nothing = await step.waitForEvent("nothing", { event: "compat/steps.never", timeout: "1s" });
        return { reply: reply?.data, approval: approval?.data, nothing };
      });

      const sender = fn({ id: "sender" }, [{ event: "compat/steps.send" }], async ({ event, step }) => {
        const { ids } = await step.sendEvent("fan-out", [
          { name: "compat/steps.received", data: { batch: event.data.batch, n: 1 } },
          { name: "compat/steps.received", data: { batch: event.data.batch, n: 2 } },
        ]);
        return { sent: ids.length };
      });
      const receiver = fn({ id: "receiver" }, [{ event: "compat/steps.received" }], async ({ event }) => ({ batch: event.data.batch, n: event.data.n }));

      const child = fn({ id: "child", retries: 0 }, [{ event: "compat/steps.child" }], async ({ event, step }) => {
        const doubled = await step.run("double", () => Number(event.data.n) * 2);
        if (event.data.fail) throw new sdk.NonRetriableError("child refused");
        return { doubled, trigger: event.name };
      });
      const slowChild = fn({ id: "slow-child" }, [{ event: "compat/steps.slow-child" }], async ({ step }) => {
        await step.sleep("forever", "1h");
        return "woke";
      });
      const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
      const parent = fn({ id: "parent" }, [{ event: "compat/steps.parent" }], async ({ step }) => {
        const byObject = await step.invoke("by-object", { function: child, data: { n: 21 } });
        const byReference = await step.invoke("by-reference", { function: sdk.referenceFunction({ functionId: "child" }), data: { n: 5 } });
        const byAppReference = await step.invoke("by-app-reference", {
          function: sdk.referenceFunction({ appId: "steps", functionId: "child" }),
          data: { n: 1 },
        });
        const failure = await step.invoke("failing", { function: child, data: { n: 1, fail: true } }).then(() => "no error", messageOf);
        const timeout = await step.invoke("too-slow", { function: slowChild, data: {}, timeout: "1s" }).then(() => "no error", messageOf);
        return { byObject, byReference, byAppReference, failure, timeout };
      });

      const parallel = fn({ id: "parallel" }, [{ event: "compat/steps.parallel" }], async ({ step, runId }) => {
        const parts = await Promise.all(
          ["a", "b", "c"].map((p) =>
            step.run(`part-${p}`, () => {
              c.hit(runId, p);
              return p.toUpperCase();
            }),
          ),
        );
        const joined = await step.run("join", () => {
          c.hit(runId, "join");
          return parts.join("");
        });
        return joined;
      });

      // The slow step is still running when the fast one completes, so the run is rediscovered
      // (or the race is re-reported) while it is in flight: it must not be scheduled again.
      const racer = fn({ id: "racer" }, [{ event: "compat/steps.race" }], async ({ step, runId }) => {
        const winner = await Promise.race([
          step.run("slow", async () => {
            c.hit(runId, "slow");
            await delay(600);
            c.hit(runId, "slow-done");
            return "slow";
          }),
          step.run("fast", () => {
            c.hit(runId, "fast");
            c.hit(runId, "fast-done");
            return "fast";
          }),
        ]);
        return step.run("after-race", () => {
          c.hit(runId, "after");
          return winner;
        });
      });

      await serveAndSync(env.weft, sdk, client, [runInput, sleeper, waiter, sender, receiver, child, slowChild, parent, parallel, racer]).then(env.track);
    });

    it("step.run passes extra input arguments and returns JSON values", async () => {
      const run = await runOf(env.weft, "compat/steps.run-input");
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(done.output).toEqual({ sum: 3, greeting: "hello weft", value: { nested: { list: [1, "two", null] } } });
      expect(c.count(run.run_id, "add")).toBe(1);
      const steps = await stepsOf(env.weft, run.run_id);
      expect(steps.find((s) => s.output === 3)).toMatchObject({ status: "Completed" });
    });

    it("step.sleep and step.sleepUntil wait durably and wake", async () => {
      const run = await runOf(env.weft, "compat/steps.sleep");
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      const { napped, lateBy } = done.output as { napped: number; lateBy: number };
      expect(napped).toBeGreaterThanOrEqual(1000);
      // Woken at or after the instant asked for, never before.
      expect(lateBy).toBeGreaterThanOrEqual(0);
      const sleeps = (await stepsOf(env.weft, run.run_id)).filter((s) => s.op === "Sleep");
      expect(sleeps.map((s) => s.status)).toEqual(["Completed", "Completed"]);
    });

    it("step.waitForEvent resumes on a match (match, if) and times out with null", async () => {
      const orderId = randomUUID();
      const run = await runOf(env.weft, "compat/steps.wait", { orderId });
      await stepWhere(env.weft, run.run_id, (s) => s.op === "WaitForEvent" && s.status === "Waiting", "the reply wait");
      await sendEvents(env.weft, [
        { name: "compat/steps.reply", data: { orderId: "someone-else", n: 1 } },
        { name: "compat/steps.reply", data: { orderId, n: 2 } },
      ]);
      await stepWhere(
        env.weft,
        run.run_id,
        (s) => s.op === "WaitForEvent" && s.status === "Waiting" && (s.name === "approval" || s.id === sha1Hex("approval")),
        "the approval wait",
      );
      await sendEvents(env.weft, [
        { name: "compat/steps.approval", data: { orderId, amount: 50 } },
        { name: "compat/steps.approval", data: { orderId: "someone-else", amount: 1000 } },
        { name: "compat/steps.approval", data: { orderId, amount: 500 } },
      ]);
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(done.output).toEqual({ reply: { orderId, n: 2 }, approval: { orderId, amount: 500 }, nothing: null });
    });

    it("step.sendEvent sends events that trigger other functions", async () => {
      const batch = randomUUID();
      const run = await runOf(env.weft, "compat/steps.send", { batch });
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ sent: 2 });
      const received = await waitForRuns(env.weft, "steps-receiver", (r) => (r.output as { batch?: string } | null)?.batch === batch, 2);
      expect(received.map((r) => (r.output as { n: number }).n).sort()).toEqual([1, 2]);
    });

    it("step.invoke by function and by referenceFunction: result, child failure, timeout", async () => {
      const run = await runOf(env.weft, "compat/steps.parent");
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(done.output).toEqual({
        // v4 validates the trigger name: an invoked run's event is inngest/function.invoked.
        byObject: { doubled: 42, trigger: "inngest/function.invoked" },
        byReference: { doubled: 10, trigger: "inngest/function.invoked" },
        byAppReference: { doubled: 2, trigger: "inngest/function.invoked" },
        failure: expect.stringContaining("child refused"),
        timeout: "Timed out waiting for invoked function to complete",
      });
    });

    it("Promise.all runs each parallel step exactly once", async () => {
      const run = await runOf(env.weft, "compat/steps.parallel");
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBe("ABC");
      for (const p of ["a", "b", "c", "join"]) expect(c.count(run.run_id, p)).toBe(1);
    });

    it("Promise.race resolves with the first step to finish and schedules no step twice", async () => {
      const run = await runOf(env.weft, "compat/steps.race");
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      const finishedFirst = (c.at(run.run_id, "fast-done")[0] ?? Infinity) <= (c.at(run.run_id, "slow-done")[0] ?? Infinity) ? "fast" : "slow";
      expect(done.output).toBe(finishedFirst);
      // Let the loser finish before counting it.
      await waitForCount(c, run.run_id, "slow-done", 1);
      for (const s of ["fast", "slow", "after"]) expect(c.count(run.run_id, s)).toBe(1);
    });

    if (sdk.major === 4) {
      it("group.parallel race mode (v4): the run goes on when the first step finishes, without waiting for the loser", async () => {
        const racing = sdk.createClient({ id: "steps-race-mode", baseUrl: env.weft.url });
        const fn = racing.createFunction({ id: "race-mode" }, [{ event: "compat/steps.race-mode" }], async ({ step, runId, group }) => {
          if (!group) throw new Error("v4 context without group tools");
          const winner = await group.parallel({ mode: "race" }, () =>
            Promise.race([
              step.run("slow", async () => {
                c.hit(runId, "slow");
                await delay(800);
                c.hit(runId, "slow-done");
                return "slow";
              }),
              step.run("fast", () => {
                c.hit(runId, "fast");
                return "fast";
              }),
            ]),
          );
          return step.run("after-race", () => {
            c.hit(runId, "after");
            return winner;
          });
        });
        await serveAndSync(env.weft, sdk, racing, [fn]).then(env.track);
        const run = await runOf(env.weft, "compat/steps.race-mode");
        expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBe("fast");
        // Race mode rediscovers as soon as one branch ends (Go: ParallelModeRace), so the next
        // step ran while the loser was still running.
        expect(c.at(run.run_id, "after")[0]).toBeLessThan(c.at(run.run_id, "slow-done")[0] ?? Infinity);
        await waitForCount(c, run.run_id, "slow-done", 1);
        for (const s of ["fast", "slow", "after"]) expect(c.count(run.run_id, s)).toBe(1);
      });
    }
  });
}

async function waitForRuns(weft: TestWeft, functionId: string, pick: (r: ApiRun) => boolean, count: number): Promise<ApiRun[]> {
  return waitFor(async () => {
    const runs = (await runsOfFunction(weft, functionId, 1, "Completed")).filter(pick);
    return runs.length >= count ? runs : undefined;
  }, `${count} completed run(s) of ${functionId}`);
}

function waitForCount(c: Counter, runId: string, what: string, count: number): Promise<true> {
  return waitFor(async () => (c.count(runId, what) >= count ? true : undefined), `${what} to run`);
}
