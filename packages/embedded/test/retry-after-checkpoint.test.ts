// A step's attempt counts only its own failures. A call that retries step A (attempt > 0) and then
// runs step B in the same call (async checkpointing, protocol §11) must not hand B the attempt A
// had reached: B still gets every retry its function allows, and its timeline lines count from 0.
import { hashStepId } from "@weft/core";
import { fixedBackoff } from "@weft/engine";
import { Weft } from "@weft/sdk";
import { afterEach, expect, it } from "vitest";
import { createEngine, type EmbeddedEngine } from "../src/index.js";

let running: EmbeddedEngine | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const retries = 2;

/** Step "a" fails once; step "b" fails `bFailures` times; both then succeed. */
async function runWith(bFailures: number) {
  const weft = new Weft({ id: "retry-after-checkpoint" });
  const calls = { a: 0, b: 0 };
  const fn = weft.createFunction({ id: "fn", retries }, { event: "rac/start" }, async ({ step }) => {
    const a = await step.run("a", () => {
      if (++calls.a === 1) throw new Error("a fails once");
      return "a";
    });
    const b = await step.run("b", () => {
      if (++calls.b <= bFailures) throw new Error(`b fails (${calls.b})`);
      return "b";
    });
    return a + b;
  });
  running = await createEngine({ client: weft, functions: [fn], backoff: fixedBackoff(5) });
  const [eventId] = await running.send({ name: "rac/start", data: {} });
  let runId: string | undefined;
  while (!runId) runId = (await running.runsOf(eventId as string))[0]?.runId ?? (await new Promise((r) => setTimeout(r, 5)), undefined);
  const run = await running.waitForRun(runId, 10_000);
  const lines = await running.stores.history.listSteps(runId);
  const attemptsOf = (id: string) =>
    lines
      .filter((l) => l.stepId === hashStepId(id))
      .map((l) => [l.attempt, l.status])
      .sort((x, y) => Number(x[0]) - Number(y[0]));
  return { run, calls, a: attemptsOf("a"), b: attemptsOf("b") };
}

it("a step that fails as often as its function retries still completes after an earlier step's retry", async () => {
  const { run, calls, a, b } = await runWith(retries);
  expect(run.status).toBe("Completed");
  expect(JSON.parse(run.output ?? "{}")).toEqual({ data: "ab" });
  expect(calls).toEqual({ a: 2, b: retries + 1 });
  expect(a).toEqual([
    [0, "Errored"],
    [1, "Completed"],
  ]);
  expect(b).toEqual([
    [0, "Errored"],
    [1, "Errored"],
    [2, "Completed"],
  ]);
});

it("a step fails the run exactly when its own retries are spent", async () => {
  const { run, calls, b } = await runWith(retries + 1);
  expect(run.status).toBe("Failed");
  expect(calls.b).toBe(retries + 1);
  expect(b).toEqual([
    [0, "Errored"],
    [1, "Errored"],
    [2, "Failed"],
  ]);
});
