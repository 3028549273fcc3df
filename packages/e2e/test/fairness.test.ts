// One hanging app must not starve the others (issue 13, item 5): app A never answers, and its runs
// fill every worker slot it may take (`maxCallsPerApp`, half the worker by default); app B's run
// still completes while every one of A's calls is still hanging. The call timeout is long (60 s),
// so the fix cannot be that A's calls time out and free their slots.
import { Weft } from "@weft/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  api,
  runOf,
  runWithStatus,
  sendEvents,
  serveApp,
  startFaultyApp,
  startTestWeft,
  stepsOf,
  waitFor,
  type ApiRun,
  type FaultyApp,
  type TestWeft,
} from "../src/index.js";

const concurrency = 8;
const hangingRuns = 20;
let weft: TestWeft;
let hanging: FaultyApp;
let healthy: { close(): Promise<void> };

beforeAll(async () => {
  weft = await startTestWeft({ store: "memory", server: { concurrency, callTimeoutMs: 60_000 } });
  // Never answers: each call holds its socket (and, without a cap per app, its worker slot).
  hanging = await startFaultyApp(weft, { hangs: () => undefined });
  const client = new Weft({ id: "healthy-app", baseUrl: weft.url });
  const threeSteps = client.createFunction({ id: "three-steps" }, { event: "fair/three-steps" }, async ({ step }) => {
    const a = await step.run("one", () => 1);
    const b = await step.run("two", () => a + 1);
    return step.run("three", () => a + b);
  });
  healthy = await serveApp(weft, client, [threeSteps]);
});

afterAll(async () => {
  // The hanging sockets first: their calls then fail at once, so the engine stops without waiting.
  await hanging?.close();
  await healthy?.close();
  await weft?.close();
});

it("a run of another app completes while one app's calls hang in as many slots as it may take", async () => {
  await sendEvents(
    weft,
    Array.from({ length: hangingRuns }, (_, i) => ({ name: "fault/hangs", data: { i } })),
  );
  const cap = concurrency / 2;
  // App A has taken its share of the worker (without the cap: every slot), and its calls hang.
  await waitFor(async () => ((hanging.calls.get("hangs") ?? 0) >= cap ? true : undefined), `${cap} hanging calls`);

  const run = await runOf(weft, "fair/three-steps");
  const completed = await runWithStatus(weft, run.run_id, "Completed");
  expect(completed.output).toBe(3);

  // Logical, not timed: when B completed, A had made exactly its share of calls and every one of
  // them was still hanging (none answered, none timed out, none retried).
  expect(hanging.calls.get("hangs")).toBe(cap);
  const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", "/v1/runs?limit=100");
  const aRuns = data.filter((r) => r.function_id.endsWith("hangs"));
  expect(aRuns).toHaveLength(hangingRuns); // all started: event jobs are not held by A's cap
  expect(aRuns.every((r) => r.status === "Running")).toBe(true);
  for (const r of aRuns) expect(await stepsOf(weft, r.run_id)).toEqual([]); // no call line: none failed or timed out
});
