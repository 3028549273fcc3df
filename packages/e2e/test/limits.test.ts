// Limits: each is configurable, and passing one refuses the input (413) or fails the run at once,
// non-retriably, with a message naming the limit and the flag that raises it.
import { Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, serveApp, startTestWeft, stepsOf, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };
const executions = new Map<string, number>();
const ran = (name: string) => executions.set(name, (executions.get(name) ?? 0) + 1);

beforeAll(async () => {
  weft = await startTestWeft({
    store: "memory",
    retryIntervalMs: 20,
    server: {
      limits: {
        maxEventBytes: 2048,
        maxEventsPerRequest: 50,
        maxEventDepth: 10,
        maxStepOutputBytes: 1024,
        maxRunStateBytes: 4096,
        maxSteps: 5,
        maxBatchEvents: 10,
      },
    },
  });
  const client = new Weft({ id: "limits-app", baseUrl: weft.url });
  const bigOutput = client.createFunction({ id: "big-output" }, { event: "limits/big-output" }, async ({ step }) => {
    await step.run("small", () => (ran("small"), "ok"));
    await step.run("huge", () => (ran("huge"), "x".repeat(2000)));
    return "unreachable";
  });
  const bigState = client.createFunction({ id: "big-state" }, { event: "limits/big-state" }, async ({ step }) => {
    for (let i = 0; i < 5; i++) await step.run(`part-${i}`, () => "y".repeat(900));
  });
  const manySteps = client.createFunction({ id: "many-steps" }, { event: "limits/many-steps" }, async ({ step }) => {
    for (let i = 0; i < 10; i++) await step.run(`s-${i}`, () => i);
  });
  const bigReturn = client.createFunction({ id: "big-return" }, { event: "limits/big-return" }, async () => "z".repeat(2000));
  app = await serveApp(weft, client, [bigOutput, bigState, manySteps, bigReturn]);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

async function failedWith(event: string, message: RegExp) {
  const run = await runOf(weft, event);
  const failed = await runWithStatus(weft, run.run_id, "Failed");
  expect(failed.output).toMatchObject({ name: "LimitExceeded" });
  expect((failed.output as { message: string }).message).toMatch(message);
  return run.run_id;
}

describe("run limits fail the run once, naming the limit and its flag", () => {
  it("step output", async () => {
    const runId = await failedWith(
      "limits/big-output",
      /step "huge" returned 2\d\d\d bytes, over the step output limit of 1 KiB \(1024 bytes\); raise it with --max-step-output-bytes/,
    );
    const huge = (await stepsOf(weft, runId)).filter((s) => s.name === "huge");
    expect(huge.map((s) => s.status)).toEqual(["Failed"]);
    expect(huge[0]?.error?.message).toMatch(/--max-step-output-bytes/);
    // Non-retriable: the step ran once, and the run went no further.
    expect(executions.get("huge")).toBe(1);
  });

  it("run state", async () => {
    await failedWith(
      "limits/big-state",
      /would hold \d+ bytes of state after step "part-4", over the run state limit of 4 KiB \(4096 bytes\); raise it with --max-run-state-bytes/,
    );
  });

  it("steps per run", async () => {
    const runId = await failedWith("limits/many-steps", /reached 6 steps, over the steps-per-run limit of 5; raise it with --max-steps/);
    expect((await stepsOf(weft, runId)).filter((s) => s.op === "StepRun" && s.status === "Completed")).toHaveLength(5);
  });

  it("the function's return value", async () => {
    await failedWith("limits/big-return", /return value is 2\d\d\d bytes, over the step output limit .* --max-step-output-bytes/);
  });
});

/** `[[[…[1]…]]]`, `depth` arrays deep. */
const nest = (depth: number): unknown => Array.from({ length: depth }).reduce<unknown>((inner) => [inner], 1);

describe("event limits refuse the request with 413, writing nothing", () => {
  const post = async (body: unknown) => {
    const res = await request(new URL("/e/key", weft.url), { method: "POST", body: JSON.stringify(body) });
    return { status: res.statusCode, json: (await res.body.json()) as { error: string } };
  };

  it.each([
    [
      "event size",
      { name: "limits/too-big", data: { blob: "b".repeat(3000) } },
      /event is 30\d\d bytes, over the event size limit of 2 KiB \(2048 bytes\); raise it with --max-event-bytes/,
    ],
    [
      "events per request",
      Array.from({ length: 51 }, () => ({ name: "limits/too-big" })),
      /51 events in one request, over the events-per-request limit of 50; raise it with --max-events-per-request/,
    ],
    [
      "nesting depth",
      { name: "limits/too-big", data: { a: nest(20) } },
      /nests objects and arrays over the nesting depth limit of 10; raise it with --max-event-depth/,
    ],
  ])("%s", async (_what, body, message) => {
    const { status, json } = await post(body);
    expect(status).toBe(413);
    expect(json.error).toMatch(message);
    const { data } = await api<{ data: unknown[] }>(weft.url, "GET", "/v1/events?name=limits/too-big");
    expect(data).toEqual([]);
  });
});

describe("batch size", () => {
  it("refuses to sync a function asking for a batch over the limit", async () => {
    const client = new Weft({ id: "batch-limits-app", baseUrl: weft.url });
    const batched = client.createFunction({ id: "huge-batch", batchEvents: { maxSize: 50, timeout: "1s" } }, { event: "limits/batch" }, async () => null);
    await expect(serveApp(weft, client, [batched])).rejects.toThrow(
      /function batch-limits-app-huge-batch: batchEvents.maxSize 50 is over the batch size limit of 10; raise it with --max-batch-events/,
    );
  });
});
