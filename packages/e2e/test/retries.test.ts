// Retries, NonRetriableError and onFailure through the SDK over real HTTP.
import { NonRetriableError, Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };
const calls = new Map<string, number>();
const failures: string[] = [];

beforeAll(async () => {
  weft = await startTestWeft({ retryIntervalMs: 20 });
  const client = new Weft({ id: "retry-app", baseUrl: weft.url });
  const flaky = client.createFunction({ id: "flaky" }, { event: "test/flaky" }, async ({ event, step }) => {
    const value = await step.run("sometimes-fails", () => {
      const n = (calls.get(event.id as string) ?? 0) + 1;
      calls.set(event.id as string, n);
      if (n < 3) throw new Error(`failure ${n}`);
      return { succeededOn: n };
    });
    return value;
  });
  const doomed = client.createFunction(
    {
      id: "doomed",
      onFailure: async ({ error, event }) => {
        failures.push(`${event.data.function_id}: ${error.message}`);
      },
    },
    { event: "test/doomed" },
    async ({ step }) => {
      await step.run("refuse", () => {
        throw new NonRetriableError("this input can never work");
      });
    },
  );
  const exhausted = client.createFunction({ id: "exhausted", retries: 1 }, { event: "test/exhausted" }, async ({ step }) => {
    await step.run("always-fails", () => {
      throw new Error("still broken");
    });
  });
  app = await serveApp(weft, client, [flaky, doomed, exhausted]);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

describe("retries", () => {
  it("a step that fails twice then succeeds completes with three attempts recorded", async () => {
    const [eventId] = await sendEvents(weft, { name: "test/flaky", data: {} });
    const [run] = await runsOf(weft, eventId!);
    const done = await runWithStatus(weft, run!.run_id, "Completed");
    expect(done.output).toEqual({ succeededOn: 3 });
    const attempts = (await stepsOf(weft, run!.run_id)).filter((s) => s.name === "sometimes-fails");
    expect(attempts.map((s) => [s.attempt, s.status])).toEqual([
      [0, "Errored"],
      [1, "Errored"],
      [2, "Completed"],
    ]);
    expect(attempts[0]?.error?.message).toBe("failure 1");
  });

  it("NonRetriableError fails the run at once and triggers onFailure", async () => {
    const [eventId] = await sendEvents(weft, { name: "test/doomed", data: {} });
    const [run] = await runsOf(weft, eventId!);
    const failed = await runWithStatus(weft, run!.run_id, "Failed");
    expect(JSON.stringify(failed.output)).toContain("this input can never work");
    const attempts = (await stepsOf(weft, run!.run_id)).filter((s) => s.name === "refuse");
    expect(attempts).toHaveLength(1);
    await waitFor(async () => (failures.length > 0 ? true : undefined), "the onFailure handler");
    expect(failures).toEqual(["retry-app-doomed: this input can never work"]);
  });

  it("a step that keeps failing fails the run after retries + 1 attempts", async () => {
    const [eventId] = await sendEvents(weft, { name: "test/exhausted", data: {} });
    const [run] = await runsOf(weft, eventId!);
    await runWithStatus(weft, run!.run_id, "Failed");
    const attempts = (await stepsOf(weft, run!.run_id)).filter((s) => s.name === "always-fails");
    expect(attempts.map((s) => s.status)).toEqual(["Errored", "Failed"]);
  });
});
