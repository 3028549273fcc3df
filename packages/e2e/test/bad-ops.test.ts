// An app that answers with an op the engine cannot act on (a sleep that does not parse or lasts
// past a year, a wait whose `if` does not compile, an unknown op, two results for one step) fails
// its run after that one call, with a NonRetriableError naming the problem, in the run's output,
// its timeline (GET /v1/runs/:id/steps) and the log. Before, such a run was retried about once a
// second whatever its retries, or stayed Running with no word.
import type { ServerResponse } from "node:http";
import type { Logger } from "@weft/engine";
import { Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { runOf, runWithStatus, serveApp, startFaultyApp, startTestWeft, stepsOf, waitFor, type ApiRun, type FaultyApp, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: FaultyApp;
let sdkApp: { close(): Promise<void> };
const sdkCalls = new Map<string, number>();
const warnings: string[] = [];
const log: Logger = { debug: () => {}, info: () => {}, warn: (m) => void warnings.push(m), error: () => {} };

/** Answer as an SDK does when its function reached these ops. */
const answerOps = (ops: unknown[]) => (_attempt: number, _req: unknown, res: ServerResponse) =>
  void res.writeHead(206, { "content-type": "application/json", "x-inngest-sdk": "js:v3.0.0" }).end(JSON.stringify(ops));
const sleep = (name: string) => answerOps([{ id: "nap", op: "Sleep", name, displayName: "nap" }]);

beforeAll(async () => {
  weft = await startTestWeft({ store: "memory", retryIntervalMs: 20, server: { log } });
  // Three retries: a bad op that were retried would show as more than one call.
  app = await startFaultyApp(
    weft,
    {
      "negative-sleep": sleep("-5s"),
      "absurd-sleep": sleep("99999999999999999999w"),
      "sleep-past-a-year": sleep("400d"),
      "sleep-until-unrepresentable": sleep("+275760-09-13T00:00:00.001Z"),
      "wait-if-broken": answerOps([{ id: "wait", op: "WaitForEvent", name: "app/done", displayName: "wait", opts: { timeout: "1h", if: "async.data.id ==" } }]),
      "unknown-op": answerOps([{ id: "tp", op: "Teleport", displayName: "tp" }]),
      // Parks the run on a wait, so a checkpoint can be posted while it runs.
      parked: answerOps([{ id: "park", op: "WaitForEvent", name: "bad/never", displayName: "park", opts: { timeout: "1h" } }]),
      "two-results": answerOps([
        { id: "twice", op: "StepRun", displayName: "twice", data: 1 },
        { id: "twice", op: "StepRun", displayName: "twice", data: 2 },
      ]),
    },
    3,
  );
  // The same through Weft's SDK, which passes both on as the user wrote them.
  const client = new Weft({ id: "bad-ops-sdk", baseUrl: weft.url });
  const counted = (id: string) => sdkCalls.set(id, (sdkCalls.get(id) ?? 0) + 1);
  sdkApp = await serveApp(weft, client, [
    client.createFunction({ id: "sdk-long-sleep", retries: 3 }, { event: "bad/sdk-long-sleep" }, async ({ step }) => {
      counted("sdk-long-sleep");
      await step.sleep("forever", "400d");
      return "woke";
    }),
    client.createFunction({ id: "sdk-wait-if-broken", retries: 3 }, { event: "bad/sdk-wait" }, async ({ step }) => {
      counted("sdk-wait-if-broken");
      return step.waitForEvent("approval", { event: "app/approved", timeout: "1h", if: "async.data.id == event.data.id &&" });
    }),
  ]);
});

afterAll(async () => {
  await sdkApp?.close();
  await app?.close();
  await weft?.close();
});

/** The run's failure, the timeline's Failed line, and the log's, all naming the same problem. */
async function expectFailedOnce(run: ApiRun, why: RegExp): Promise<void> {
  const failed = await runWithStatus(weft, run.run_id, "Failed");
  const error = failed.output as { name: string; message: string };
  expect(error.name).toBe("NonRetriableError");
  expect(error.message).toMatch(why);
  const failedLines = (await stepsOf(weft, run.run_id)).filter((l) => l.status === "Failed");
  expect(failedLines).toHaveLength(1);
  expect(failedLines[0]?.error).toEqual(error);
  expect(warnings.filter((w) => w.includes(error.message))).toHaveLength(1);
}

describe("a bad op fails the run after one call, saying why", () => {
  it.each([
    ["negative-sleep", /^step "nap" \(Sleep\): sleep "-5s" is not a duration/],
    ["absurd-sleep", /^step "nap" \(Sleep\): sleep of "99999999999999999999w" is longer than the maximum of 366 days/],
    ["sleep-past-a-year", /^step "nap" \(Sleep\): sleep of "400d" \(until .*\) is longer than the maximum of 366 days/],
    ["sleep-until-unrepresentable", /^step "nap" \(Sleep\): sleep "\+275760-09-13T00:00:00\.001Z" is not a duration/],
    ["wait-if-broken", /^step "wait" \(WaitForEvent\): waitForEvent's "if" does not compile: expression "async\.data\.id =="/],
    ["unknown-op", /^step "tp" \(Teleport\): unknown op "Teleport"$/],
    ["two-results", /^step "twice" \(StepRun\): the response carries more than one op for step id twice$/],
  ])("%s", { timeout: 10_000 }, async (fnId, why) => {
    const run = await runOf(weft, `fault/${fnId}`);
    await expectFailedOnce(run, why);
    expect(app.calls.get(fnId)).toBe(1);
  });

  it.each([
    ["sdk-long-sleep", "bad/sdk-long-sleep", /^step "forever" \(Sleep\): sleep of "57w1d" .* longer than the maximum of 366 days/],
    ["sdk-wait-if-broken", "bad/sdk-wait", /^step "approval" \(WaitForEvent\): waitForEvent's "if" does not compile/],
  ])("%s (Weft's SDK)", { timeout: 10_000 }, async (fnId, event, why) => {
    const run = await runOf(weft, event);
    await expectFailedOnce(run, why);
    expect(sdkCalls.get(fnId)).toBe(1);
  });
});

describe("a checkpoint with two results for one step", () => {
  it("fails the run before saving either, and tells the SDK to stop (409)", { timeout: 10_000 }, async () => {
    const run = await runOf(weft, "fault/parked");
    await waitFor(async () => ((await stepsOf(weft, run.run_id)).some((l) => l.status === "Waiting") ? true : undefined), "the run to wait");
    const steps = [
      { id: "ckpt", op: "StepRun", displayName: "ckpt", data: 1 },
      { id: "ckpt", op: "StepRun", displayName: "ckpt", data: 2 },
    ];
    const res = await request(`${weft.url}/v1/checkpoint/${run.run_id}/async`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ steps }),
    });
    expect(res.statusCode).toBe(409);
    await res.body.dump();
    await expectFailedOnce(run, /^step "ckpt" \(StepRun\): the checkpoint carries more than one result for step id ckpt$/);
    expect((await stepsOf(weft, run.run_id)).filter((l) => l.status === "Completed")).toEqual([]);
  });
});
