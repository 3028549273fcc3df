// cancelOn, RetryAfterError, sleepUntil and waitForEvent `if` through the SDK over real HTTP.
import { RetryAfterError, Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOf, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };
const attemptsAt: number[] = [];

beforeAll(async () => {
  weft = await startTestWeft();
  const client = new Weft({ id: "controls-app", baseUrl: weft.url });
  const cancellable = client.createFunction(
    { id: "cancellable", cancelOn: [{ event: "test/order.cancelled", match: "data.order" }] },
    { event: "test/order.placed" },
    async ({ step }) => {
      await step.sleep("settle", "1h");
      return "shipped";
    },
  );
  const patient = client.createFunction({ id: "patient" }, { event: "test/patient" }, async ({ step }) => {
    return step.run("rate-limited", () => {
      attemptsAt.push(Date.now());
      if (attemptsAt.length === 1) throw new RetryAfterError("slow down", 1000);
      return "ok";
    });
  });
  const until = client.createFunction({ id: "until" }, { event: "test/until" }, async ({ event, step }) => {
    await step.sleepUntil("alarm", new Date(event.data.at as number));
    return Date.now() >= (event.data.at as number);
  });
  const picky = client.createFunction({ id: "picky" }, { event: "test/picky" }, async ({ step }) => {
    const big = await step.waitForEvent("big-payment", {
      event: "test/payment",
      if: "async.data.amount > 100 && event.data.account == async.data.account",
      timeout: "5s",
    });
    return big?.data.amount ?? null;
  });
  app = await serveApp(weft, client, [cancellable, patient, until, picky]);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

describe("controls", () => {
  it("cancelOn cancels only the run whose match field agrees", async () => {
    const first = await runOf(weft, "test/order.placed", { order: "o-1" });
    const second = await runOf(weft, "test/order.placed", { order: "o-2" });
    await waitFor(async () => ((await stepsOf(weft, first.run_id)).some((s) => s.op === "Sleep") ? true : undefined), "the sleep");
    await sendEvents(weft, { name: "test/order.cancelled", data: { order: "o-1" } });
    await runWithStatus(weft, first.run_id, "Cancelled");
    const other = await waitFor(async () => (await runsOf(weft, second.event_id))[0], "the second run");
    expect(other.status).toBe("Running");
  });

  it("RetryAfterError delays the retry by at least the time asked", async () => {
    const run = await runOf(weft, "test/patient");
    const done = await runWithStatus(weft, run.run_id, "Completed", 5000);
    expect(done.output).toBe("ok");
    expect(attemptsAt).toHaveLength(2);
    expect(attemptsAt[1]! - attemptsAt[0]!).toBeGreaterThanOrEqual(1000);
  });

  it("sleepUntil wakes at the given time", async () => {
    const run = await runOf(weft, "test/until", { at: Date.now() + 700 });
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe(true);
  });

  it("waitForEvent with an if expression over event and async", async () => {
    const run = await runOf(weft, "test/picky", { account: "acc-1" });
    await waitFor(async () => ((await stepsOf(weft, run.run_id)).some((s) => s.op === "WaitForEvent") ? true : undefined), "the wait");
    await sendEvents(weft, [
      { name: "test/payment", data: { account: "acc-1", amount: 50 } },
      { name: "test/payment", data: { account: "acc-2", amount: 500 } },
    ]);
    await sendEvents(weft, { name: "test/payment", data: { account: "acc-1", amount: 150 } });
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe(150);
  });
});
