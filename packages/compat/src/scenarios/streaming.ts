// Streamed answers (protocol §15): the same functions served twice on one Weft server, by an app
// that answers plainly and by one that streams every answer (201 + envelope). One event starts
// both copies, and each run's outcome and output must be the same in both apps, on every step
// kind and on failures.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { runsOf, sendEvents, waitFor, type ApiRun } from "../harness.js";
import { startFakeEndpoint, type FakeEndpoint } from "../fake-endpoint.js";
import type { CompatClient, CompatFunction, SdkUnderTest } from "../sdk-under-test.js";
import { serveAndSync, type ServedApp } from "../serve-inngest.js";
import { streamingSdk } from "../streaming-sdk.js";
import { errorOf, getRun, stepWhere, useWeft } from "./context.js";

const modes = ["plain", "streamed"] as const;
type Mode = (typeof modes)[number];

/** The functions every mode serves; outputs hold nothing that differs between two runs. */
function functionsOf(sdk: SdkUnderTest, client: CompatClient): CompatFunction[] {
  const fn = client.createFunction.bind(client);
  const attempts = new Map<string, number>();
  const child = fn({ id: "child", retries: 0 }, [{ event: "compat/stream.child" }], async ({ event, step }) => {
    const doubled = await step.run("double", () => Number(event.data.n) * 2);
    if (event.data.fail) throw new sdk.NonRetriableError("child refused");
    return { doubled };
  });
  const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
  return [
    child,
    fn({ id: "run" }, [{ event: "compat/stream.run" }], async ({ step }) => {
      const sum = await step.run("add", (a: number, b: number) => a + b, 1, 2);
      const text = await step.run("text", () => "Hello, Inngest!");
      const nothing = await step.run("nothing", () => undefined);
      return { sum, text, nothing: nothing ?? "undefined" };
    }),
    fn({ id: "sleep" }, [{ event: "compat/stream.sleep" }], async ({ step }) => {
      await step.sleep("nap", "1s");
      return step.run("after", () => "woke");
    }),
    fn({ id: "wait" }, [{ event: "compat/stream.wait" }], async ({ step }) => {
      const reply = await step.waitForEvent("reply", { event: "compat/stream.reply", match: "data.key", timeout: "30s" });
      const nothing = await step.waitForEvent("nothing", { event: "compat/stream.never", timeout: "1s" });
      return { reply: reply?.data ?? "timed out", nothing };
    }),
    fn({ id: "send" }, [{ event: "compat/stream.send" }], async ({ step }) => {
      const { ids } = await step.sendEvent("fan-out", [{ name: "compat/stream.sent" }, { name: "compat/stream.sent" }]);
      return { sent: ids.length };
    }),
    fn({ id: "invoke" }, [{ event: "compat/stream.invoke" }], async ({ step }) => {
      const ok = await step.invoke("ok", { function: child, data: { n: 21 } });
      const refused = await step.invoke("refused", { function: child, data: { n: 1, fail: true } }).then(() => "no error", messageOf);
      return { ok, refused };
    }),
    fn({ id: "parallel" }, [{ event: "compat/stream.parallel" }], async ({ step }) => {
      const parts = await Promise.all(["a", "b", "c"].map((p) => step.run(`part-${p}`, () => p.toUpperCase())));
      return step.run("join", () => parts.join(""));
    }),
    fn({ id: "retried", retries: 2 }, [{ event: "compat/stream.retried" }], async ({ step, runId }) =>
      step.run("flaky", () => {
        const n = (attempts.get(runId) ?? 0) + 1;
        attempts.set(runId, n);
        if (n === 1) throw new Error("first attempt fails");
        return `succeeded on attempt ${n}`;
      }),
    ),
    fn({ id: "non-retriable", retries: 3 }, [{ event: "compat/stream.non-retriable" }], async ({ step }) =>
      step.run("refuse", () => {
        throw new sdk.NonRetriableError("not worth retrying");
      }),
    ),
    fn({ id: "throws-at-end", retries: 0 }, [{ event: "compat/stream.throws" }], async ({ step }) => {
      await step.run("fine", () => "ok");
      throw new Error("the function gave up at the end");
    }),
    fn({ id: "fetch", retries: 0 }, [{ event: "compat/stream.fetch" }], async ({ event, step }) => {
      const res = await step.fetch(`${String(event.data.base)}/echo`, { method: "POST", body: "ping" });
      return { status: res.status, body: await res.json() };
    }),
  ];
}

/** What must be equal between the modes: the status, and the output (a failure's name and message). */
function outcome(run: ApiRun): { status: string; output: unknown } {
  if (run.status === "Completed") return { status: run.status, output: run.output };
  const { name, message } = errorOf(run);
  return { status: run.status, output: { name, message } };
}

export function streamingScenarios(sdk: SdkUnderTest): void {
  describe("streamed answers (201 + envelope) give the same runs as plain ones", () => {
    const env = useWeft({ retryIntervalMs: 50 });
    const apps = {} as Record<Mode, ServedApp>;
    let fake: FakeEndpoint;

    beforeAll(async () => {
      fake = env.track(await startFakeEndpoint(() => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ pong: true }) })));
      for (const mode of modes) {
        const served = mode === "streamed" ? streamingSdk(sdk) : sdk;
        const client = served.createClient({ id: mode, baseUrl: env.weft.url });
        apps[mode] = env.track(await serveAndSync(env.weft, served, client, functionsOf(sdk, client)));
      }
    });

    /** Send one event (both apps' copies start), run `meanwhile`, and answer each copy's finished run. */
    async function runBoth(name: string, data: Record<string, unknown> = {}, meanwhile?: (runs: Record<Mode, ApiRun>) => Promise<void>) {
      const [eventId] = await sendEvents(env.weft, { name, data });
      const started = await runsOf(env.weft, eventId as string, 2);
      const runs = {} as Record<Mode, ApiRun>;
      for (const mode of modes) {
        const run = started.find((r) => r.function_id.startsWith(`${mode}-`));
        if (!run) throw new Error(`no ${mode} run of ${name}: ${started.map((r) => r.function_id).join(", ")}`);
        runs[mode] = run;
      }
      await meanwhile?.(runs);
      const ended = {} as Record<Mode, ApiRun>;
      for (const mode of modes) ended[mode] = await waitEnded(runs[mode].run_id);
      return ended;
    }

    async function waitEnded(runId: string): Promise<ApiRun> {
      return waitFor(async () => {
        const run = await getRun(env.weft, runId);
        return run.status === "Running" ? undefined : run;
      }, `run ${runId} to end`);
    }

    /** Every call of the streaming app's run was answered 201 (so it did stream), none of the plain one's. */
    function expectStreamed(runs: Record<Mode, ApiRun>): void {
      const statuses = (mode: Mode) =>
        apps[mode].exchanges.filter((e) => e.method === "POST" && e.headers["x-run-id"] === runs[mode].run_id).map((e) => e.status);
      expect(statuses("streamed").length).toBeGreaterThan(0);
      expect(new Set(statuses("streamed"))).toEqual(new Set([201]));
      expect(statuses("plain")).not.toContain(201);
    }

    const cases: { kind: string; event: string; status: string; output?: unknown; data?: () => Record<string, unknown> }[] = [
      { kind: "step.run", event: "compat/stream.run", status: "Completed", output: { sum: 3, text: "Hello, Inngest!", nothing: "undefined" } },
      { kind: "sleep", event: "compat/stream.sleep", status: "Completed", output: "woke" },
      { kind: "sendEvent", event: "compat/stream.send", status: "Completed", output: { sent: 2 } },
      {
        kind: "invoke (a child that completes and one that fails)",
        event: "compat/stream.invoke",
        status: "Completed",
        output: { ok: { doubled: 42 }, refused: expect.stringContaining("child refused") },
      },
      { kind: "parallel steps", event: "compat/stream.parallel", status: "Completed", output: "ABC" },
      { kind: "a step error that is retried", event: "compat/stream.retried", status: "Completed", output: "succeeded on attempt 2" },
      {
        kind: "a NonRetriableError",
        event: "compat/stream.non-retriable",
        status: "Failed",
        // v3 names a step's NonRetriableError plain "Error"; the plain run is the reference either way.
        output: { name: expect.stringMatching(/Error$/), message: expect.stringContaining("not worth retrying") },
      },
      {
        kind: "a function that throws at the end",
        event: "compat/stream.throws",
        status: "Failed",
        output: { name: "Error", message: expect.stringContaining("the function gave up at the end") },
      },
      {
        kind: "step.fetch",
        event: "compat/stream.fetch",
        status: "Completed",
        output: { status: 200, body: { pong: true } },
        data: () => ({ base: fake.url }),
      },
    ];

    for (const c of cases) {
      it(`${c.kind}: ${c.status}, with the same output`, async () => {
        const runs = await runBoth(c.event, c.data?.() ?? {});
        expect(outcome(runs.streamed)).toEqual(outcome(runs.plain));
        expect(outcome(runs.streamed)).toEqual({ status: c.status, output: c.output });
        expectStreamed(runs);
      });
    }

    it("waitForEvent, matched and timed out: Completed, with the same output", async () => {
      const key = randomUUID();
      const runs = await runBoth("compat/stream.wait", { key }, async (started) => {
        for (const mode of modes) {
          await stepWhere(env.weft, started[mode].run_id, (s) => s.op === "WaitForEvent" && s.status === "Waiting", `the ${mode} reply wait`);
        }
        await sendEvents(env.weft, { name: "compat/stream.reply", data: { key, answer: "yes" } });
      });
      expect(outcome(runs.streamed)).toEqual(outcome(runs.plain));
      expect(outcome(runs.streamed)).toEqual({ status: "Completed", output: { reply: { key, answer: "yes" }, nothing: null } });
      expectStreamed(runs);
    });
  });
}
