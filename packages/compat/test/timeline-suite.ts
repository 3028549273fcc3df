// The timeline suite, run by timeline-v4.test.ts and timeline-v3.test.ts: every step kind's
// timeline, as `GET /v1/runs/:id/steps` shows it, for an app on the official SDK over real HTTP:
// one row per case, each with the lines its run must end with. The dashboard reads the same API;
// what it derives from a line (the child run an invoke line links to) is computed with its own
// functions (`packages/dashboard/src/api.ts`) and checked against the run the engine started.
import { randomUUID } from "node:crypto";
import { silentLogger } from "@weft/engine";
import { closeStores, openStores, startWeftServer } from "@weft/server";
import type { StepEntry } from "@weft/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokedRunId, invokedRunLookup, type Step } from "../../dashboard/src/api.js";
import { startFakeEndpoint, type FakeEndpoint } from "../src/fake-endpoint.js";
import { api, runOf, runWithStatus, sendEvents, stepsOf, waitFor, type ApiRun, type ApiStep, type TestWeft } from "../src/harness.js";
import { Counter, getRun, stepWhere, useWeft } from "../src/scenarios/context.js";
import type { SdkUnderTest } from "../src/sdk-under-test.js";
import { serveAndSync } from "../src/serve-inngest.js";

const appId = "timeline";

/** What one timeline line must show. `child`: the function whose run the line links to, or none. */
interface Line {
  name: string;
  op: string;
  status: "Completed" | "Failed" | "Errored";
  attempt?: number;
  output?: unknown;
  error?: string | RegExp;
  child?: string | null;
}

interface Case {
  kind: string;
  event: string;
  data?: Record<string, unknown>;
  runStatus: "Completed" | "Failed";
  /** Whatever the run needs from outside once it started (an event to match, a cancel). */
  drive?: (weft: TestWeft, run: ApiRun) => Promise<void>;
  lines: Line[];
}

const completion = {
  id: "chatcmpl-timeline",
  object: "chat.completion",
  model: "gpt-timeline",
  choices: [{ index: 0, message: { role: "assistant", content: "pong" }, finish_reason: "stop" }],
};

/**
 * Register both blocks for one SDK version. One version per test file: v3 and v4 share a global
 * (their AsyncLocalStorage slot) and cannot serve apps in one process.
 */
export function timelineSuite(sdk: SdkUnderTest): void {
  timelineCases(sdk);
  noPhantomChild(sdk);
}

function timelineCases(sdk: SdkUnderTest): void {
  describe(`${sdk.label}: every step kind's timeline tells the truth`, () => {
    const env = useWeft();
    const c = new Counter();
    let fake: FakeEndpoint;

    beforeAll(async () => {
      fake = env.track(
        await startFakeEndpoint((req) =>
          req.path.startsWith("/v1/chat/completions")
            ? { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(completion) }
            : { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ pong: true }) },
        ),
      );
      const client = sdk.createClient({ id: appId, baseUrl: env.weft.url });
      const fn = client.createFunction.bind(client);
      const child = fn({ id: "child", retries: 0 }, [{ event: "tl/child" }], async ({ event, step }) => {
        const doubled = await step.run("double", () => Number(event.data.n) * 2);
        if (event.data.fail) throw new sdk.NonRetriableError("child refused");
        return { doubled };
      });
      const sleepyChild = fn({ id: "sleepy-child", retries: 0 }, [{ event: "tl/sleepy-child" }], async ({ step }) => {
        await step.sleep("forever", "1h");
        return "woke";
      });
      const functions = [
        child,
        sleepyChild,
        fn({ id: "run" }, [{ event: "tl/run" }], async ({ step }) => step.run("plain", () => ({ ok: 1 }))),
        fn({ id: "retried", retries: 1 }, [{ event: "tl/retried" }], async ({ step, runId }) =>
          step.run("flaky", () => {
            c.hit(runId, "flaky");
            if (c.count(runId, "flaky") === 1) throw new Error("first attempt fails");
            return "second time lucky";
          }),
        ),
        fn({ id: "sleep" }, [{ event: "tl/sleep" }], async ({ step }) => {
          await step.sleep("nap", "1s");
          return "rested";
        }),
        fn({ id: "wait-matched" }, [{ event: "tl/wait-matched" }], async ({ step }) =>
          step.waitForEvent("reply", { event: "tl/reply", match: "data.key", timeout: "1h" }),
        ),
        fn({ id: "wait-timeout" }, [{ event: "tl/wait-timeout" }], async ({ step }) => step.waitForEvent("silence", { event: "tl/never", timeout: "1s" })),
        fn({ id: "invoke-ok" }, [{ event: "tl/invoke-ok" }], async ({ step }) => step.invoke("call-child", { function: child, data: { n: 21 } })),
        fn({ id: "invoke-failed", retries: 0 }, [{ event: "tl/invoke-failed" }], async ({ step }) =>
          step.invoke("call-child", { function: child, data: { n: 1, fail: true } }),
        ),
        fn({ id: "invoke-missing", retries: 0 }, [{ event: "tl/invoke-missing" }], async ({ step }) =>
          step.invoke("call-nobody", { function: sdk.referenceFunction({ appId, functionId: "does-not-exist" }), data: {} }),
        ),
        fn({ id: "invoke-timeout", retries: 0 }, [{ event: "tl/invoke-timeout" }], async ({ step }) =>
          step.invoke("call-sleepy", { function: sleepyChild, data: {}, timeout: "1s" }),
        ),
        fn({ id: "invoke-cancelled", retries: 0 }, [{ event: "tl/invoke-cancelled" }], async ({ step }) =>
          step.invoke("call-sleepy", { function: sleepyChild, data: {} }),
        ),
        fn({ id: "fetch", retries: 0 }, [{ event: "tl/fetch" }], async ({ event, step }) => {
          const res = await step.fetch(`${String(event.data.base)}/ping`);
          return res.json();
        }),
        fn({ id: "ai-infer", retries: 0 }, [{ event: "tl/ai-infer" }], async ({ event, step }) =>
          step.ai.infer("ask", {
            model: step.ai.models.openai({ model: "gpt-timeline", apiKey: "sk-timeline", baseUrl: `${String(event.data.base)}/v1/` }),
            body: { messages: [{ role: "user", content: "ping" }] },
          }),
        ),
        fn({ id: "send-event" }, [{ event: "tl/send-event" }], async ({ step }) => step.sendEvent("announce", { name: "tl/announced", data: {} })),
        fn({ id: "parallel" }, [{ event: "tl/parallel" }], async ({ step }) => Promise.all([step.run("left", () => "L"), step.run("right", () => "R")])),
      ];
      await serveAndSync(env.weft, sdk, client, functions).then(env.track);
    });

    const childOf = `${appId}-child`;
    const sleepyOf = `${appId}-sleepy-child`;
    const cases: Case[] = [
      { kind: "run", event: "tl/run", runStatus: "Completed", lines: [{ name: "plain", op: "StepRun", status: "Completed", output: { ok: 1 } }] },
      {
        kind: "retried",
        event: "tl/retried",
        runStatus: "Completed",
        lines: [
          { name: "flaky", op: "StepRun", status: "Errored", attempt: 0, error: "first attempt fails" },
          { name: "flaky", op: "StepRun", status: "Completed", attempt: 1, output: "second time lucky" },
        ],
      },
      { kind: "sleep", event: "tl/sleep", runStatus: "Completed", lines: [{ name: "nap", op: "Sleep", status: "Completed", output: null }] },
      {
        kind: "wait, matched",
        event: "tl/wait-matched",
        data: { key: "k1" },
        runStatus: "Completed",
        drive: async (weft, run) => {
          await stepWhere(weft, run.run_id, (s) => s.op === "WaitForEvent" && s.status === "Waiting", "the wait");
          await sendEvents(weft, { name: "tl/reply", data: { key: "k1", answer: 42 } });
        },
        lines: [
          { name: "reply", op: "WaitForEvent", status: "Completed", output: expect.objectContaining({ name: "tl/reply", data: { key: "k1", answer: 42 } }) },
        ],
      },
      {
        kind: "wait, timed out",
        event: "tl/wait-timeout",
        runStatus: "Completed",
        lines: [{ name: "silence", op: "WaitForEvent", status: "Completed", output: null }],
      },
      {
        kind: "invoke, ok",
        event: "tl/invoke-ok",
        runStatus: "Completed",
        lines: [{ name: "call-child", op: "InvokeFunction", status: "Completed", output: { doubled: 42 }, child: childOf }],
      },
      {
        kind: "invoke, child failed",
        event: "tl/invoke-failed",
        runStatus: "Failed",
        lines: [{ name: "call-child", op: "InvokeFunction", status: "Failed", error: "child refused", child: childOf }],
      },
      {
        kind: "invoke, missing function",
        event: "tl/invoke-missing",
        runStatus: "Failed",
        lines: [{ name: "call-nobody", op: "InvokeFunction", status: "Failed", error: /could not find function/, child: null }],
      },
      {
        kind: "invoke, timed out",
        event: "tl/invoke-timeout",
        runStatus: "Failed",
        lines: [{ name: "call-sleepy", op: "InvokeFunction", status: "Failed", error: "Timed out waiting for invoked function to complete", child: sleepyOf }],
      },
      {
        kind: "invoke, child cancelled",
        event: "tl/invoke-cancelled",
        runStatus: "Failed",
        drive: async (weft, run) => {
          const line = await stepWhere(weft, run.run_id, (s) => s.op === "InvokeFunction" && s.status === "Waiting", "the invoke");
          const childId = invokedRunId(line as Step);
          if (!childId) throw new Error("the waiting invoke line names no child run");
          await waitFor(async () => ((await stepsOf(weft, childId)).some((s) => s.op === "Sleep") ? true : undefined), "the child to sleep");
          await api(weft.url, "POST", `/v1/runs/${childId}/cancel`);
        },
        lines: [{ name: "call-sleepy", op: "InvokeFunction", status: "Failed", error: /cancel/i, child: sleepyOf }],
      },
      {
        kind: "fetch",
        event: "tl/fetch",
        runStatus: "Completed",
        lines: [
          {
            name: "step.fetch: 127.0.0.1",
            op: "Gateway",
            status: "Completed",
            output: expect.objectContaining({ status_code: 200, body: JSON.stringify({ pong: true }) }),
          },
        ],
      },
      {
        kind: "ai.infer",
        event: "tl/ai-infer",
        runStatus: "Completed",
        lines: [{ name: "ask", op: "AIGateway", status: "Completed", output: completion }],
      },
      {
        kind: "sendEvent",
        event: "tl/send-event",
        runStatus: "Completed",
        lines: [{ name: "announce", op: "StepRun", status: "Completed", output: { ids: [expect.any(String)] } }],
      },
      {
        kind: "parallel",
        event: "tl/parallel",
        runStatus: "Completed",
        lines: [
          { name: "left", op: "StepRun", status: "Completed", output: "L" },
          { name: "right", op: "StepRun", status: "Completed", output: "R" },
        ],
      },
    ];

    it.each(cases)("$kind", async ({ event, data, runStatus, drive, lines }) => {
      const needsBase = event === "tl/fetch" || event === "tl/ai-infer";
      const run = await runOf(env.weft, event, { ...data, ...(needsBase ? { base: fake.url } : {}), nonce: randomUUID() });
      await drive?.(env.weft, run);
      await runWithStatus(env.weft, run.run_id, runStatus);
      const steps = await stepsOf(env.weft, run.run_id);
      // Only the lines the case is about (a discovery line may stand beside them); every one ended.
      const shown = steps.filter((s) => lines.some((l) => l.name === s.name)).sort((a, b) => a.name.localeCompare(b.name) || a.attempt - b.attempt);
      expect(shown.map(project)).toEqual(lines.map(expected));
      for (const line of lines) {
        if (line.child === undefined) continue;
        const step = shown.find((s) => s.name === line.name) as ApiStep;
        const linked = await dashboardChildLink(env.weft, run.run_id, step);
        if (line.child === null) {
          expect(linked, "no child run was started, so none may be named").toBeUndefined();
        } else {
          // The link leads to a run that exists: the child this parent invoked.
          const child = (await getRun(env.weft, linked ?? "(no link)")) as ApiRun & { parent_run_id?: string };
          expect(child).toMatchObject({ function_id: line.child, parent_run_id: run.run_id });
        }
      }
    });
  });
}

// Every line the engine ever writes, not only the last state of each: a Waiting line is read by
// the API and the dashboard while it lasts, so even a short-lived one must not name a child run
// that does not exist.
function noPhantomChild(sdk: SdkUnderTest): void {
  describe(`${sdk.label}: an invoke line never names a child run that was not started`, () => {
    const recorded: StepEntry[] = [];
    let weft: TestWeft;
    let closeAll: () => Promise<void>;

    beforeAll(async () => {
      const stores = await openStores("memory:");
      const record = stores.history.recordStep.bind(stores.history);
      stores.history.recordStep = (entry) => {
        recorded.push({ ...entry });
        return record(entry);
      };
      const server = await startWeftServer({ stores, port: 0, retryIntervalMs: 50, log: silentLogger, syncIntervalMs: 60_000 });
      weft = { server, url: server.url, close: async () => {} };
      const client = sdk.createClient({ id: "timeline-missing", baseUrl: weft.url });
      const parent = client.createFunction({ id: "parent", retries: 0 }, [{ event: "tl/missing" }], async ({ step }) =>
        step.invoke("call-nobody", { function: sdk.referenceFunction({ appId: "timeline-missing", functionId: "nobody" }), data: {} }),
      );
      const app = await serveAndSync(weft, sdk, client, [parent]);
      closeAll = async () => {
        await app.close();
        await server.close();
        await closeStores(stores);
      };
    });
    afterAll(() => closeAll?.());

    it("invoking a missing function: one Failed line, no Waiting line naming a run", async () => {
      const run = await runOf(weft, "tl/missing");
      await runWithStatus(weft, run.run_id, "Failed");
      const invokeLines = recorded.filter((e) => e.runId === run.run_id && e.op === "InvokeFunction");
      expect(invokeLines.map((e) => e.status)).toEqual(["Failed"]);
      expect(JSON.parse(invokeLines[0]?.output ?? "null")).toEqual({
        error: expect.objectContaining({ message: expect.stringContaining("could not find function") }),
      });
    });
  });
}

function project(s: ApiStep) {
  return { name: s.name, op: s.op, status: s.status, attempt: s.attempt, output: s.output, error: s.error?.message };
}

function expected(l: Line) {
  return {
    name: l.name,
    op: l.op,
    status: l.status,
    attempt: l.attempt ?? 0,
    output: l.output,
    error: l.error === undefined ? undefined : typeof l.error === "string" ? expect.stringContaining(l.error) : expect.stringMatching(l.error),
  };
}

/** The child run the dashboard links an invoke line to: named by the line, or looked up as it does. */
async function dashboardChildLink(weft: TestWeft, runId: string, step: ApiStep): Promise<string | undefined> {
  const named = invokedRunId(step as Step);
  if (named) return named;
  const lookup = invokedRunLookup(runId, step as Step);
  if (!lookup) return undefined;
  const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", lookup);
  return data[0]?.run_id;
}
