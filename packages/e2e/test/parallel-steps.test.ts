// Parallel steps in one call (docs/inngest-protocol.md §6, Weft's `ctx.weft_parallel_steps`) with
// Weft's own SDK over real HTTP: a discovery that finds several new `step.run`s runs them in the
// app at once and answers every result in one response. A step that errors retries alone, in a
// call of its own with its own attempt count; its siblings are not run again. A server that does
// not advertise it (an older Weft, Inngest) gets the classic path: one call per step.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServeHandler, NonRetriableError, Weft, type WeftFunction } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, startTestWeft, stepsOf, type TestWeft } from "../src/index.js";

let weft: TestWeft;
beforeAll(async () => {
  weft = await startTestWeft({ store: "sqlite", retryIntervalMs: 20 });
});
afterAll(() => weft.close());

interface Call {
  stepId: string;
  attempt: number;
  advertised: boolean;
  status: number;
  ops: string[];
}

/**
 * Serve `functions` and sync them, recording every call the server makes and the app's answer.
 * `strip`: remove `ctx.weft_parallel_steps` from each call body, as a server without it would send.
 */
async function recordingApp(client: Weft, functions: WeftFunction<unknown, unknown>[], strip = false) {
  const handler = createServeHandler({ client, functions }, "node");
  const calls: Call[] = [];
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      let body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      let call: Call | undefined;
      if (req.method === "POST") {
        const parsed = JSON.parse(body) as { ctx: { attempt: number; weft_parallel_steps?: boolean } };
        call = {
          stepId: url.searchParams.get("stepId") ?? "",
          attempt: parsed.ctx.attempt,
          advertised: parsed.ctx.weft_parallel_steps === true,
          status: 0,
          ops: [],
        };
        if (strip) {
          delete parsed.ctx.weft_parallel_steps;
          body = JSON.stringify(parsed);
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const out = await handler({ method: req.method ?? "GET", url: `http://127.0.0.1${req.url}`, headers, body });
      if (call) {
        call.status = out.status;
        if (out.status === 206) call.ops = (JSON.parse(out.body) as { op: string }[]).map((op) => op.op);
        calls.push(call);
      }
      res.writeHead(out.status, out.headers).end(out.body);
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;
  const synced = await api<{ data: { ok: boolean; error?: string } }>(weft.url, "POST", "/v1/apps", { url });
  if (!synced.data.ok) throw new Error(`sync failed: ${synced.data.error}`);
  return { calls, close: () => new Promise<void>((r) => (http.closeAllConnections(), http.close(() => r()))) };
}

const counter = () => {
  const counts = new Map<string, number>();
  return { counts, add: (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1).get(key) as number };
};

describe("parallel steps in one call with @weft/sdk", () => {
  it("runs 100 parallel steps in a few calls, each once", async () => {
    const client = new Weft({ id: "par-fan", baseUrl: weft.url });
    const ran = counter();
    const fn = client.createFunction({ id: "fan" }, { event: "par/fan" }, async ({ step }) => {
      const parts = await Promise.all(Array.from({ length: 100 }, (_, i) => step.run(`f${i}`, () => (ran.add(`f${i}`), i))));
      return parts.reduce((a, b) => a + b, 0);
    });
    const app = await recordingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "par/fan");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe(4950);
      expect([...ran.counts.values()].every((n) => n === 1) && ran.counts.size === 100).toBe(true);
      // 50 at once by default: two calls run the steps, a third returns. The classic path makes 100 step calls.
      expect(app.calls.length).toBeLessThanOrEqual(4);
      expect(app.calls.every((c) => c.advertised && c.stepId === "step")).toBe(true);
      expect(app.calls[0]?.ops).toEqual(Array(50).fill("StepRun"));
      const steps = await stepsOf(weft, run.run_id);
      expect(steps.filter((s) => s.status === "Completed" && /^f\d+$/.test(s.name)).length).toBe(100);
    } finally {
      await app.close();
    }
  });

  it("retries a failing step of a group alone, with its own attempt count; its siblings do not run again", async () => {
    const client = new Weft({ id: "par-retry", baseUrl: weft.url });
    const ran = counter();
    const fn = client.createFunction({ id: "flaky" }, { event: "par/flaky" }, async ({ step }) => {
      const parts = await Promise.all(
        ["a", "b", "c", "d"].map((p) =>
          step.run(p, () => {
            const n = ran.add(p);
            if (p === "c" && n <= 2) throw new Error(`c fails (${n})`);
            return p.toUpperCase();
          }),
        ),
      );
      // After the group: a fresh step, on attempt 0 again (not the retried step's count).
      const after = await step.run("after", () => (ran.add("after"), "!"));
      return parts.join("") + after;
    });
    const app = await recordingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "par/flaky");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe("ABCD!");
      expect(Object.fromEntries(ran.counts)).toEqual({ a: 1, b: 1, c: 3, d: 1, after: 1 });
      // The group's call answers every result; c then retries in calls of its own, at attempts 1 and 2.
      expect(app.calls[0]).toMatchObject({ stepId: "step", attempt: 0, ops: ["StepRun", "StepRun", "StepError", "StepRun"] });
      const cCalls = app.calls.filter((c) => c.stepId !== "step");
      expect(cCalls.map((c) => [c.attempt, c.ops])).toEqual([
        [1, ["StepError"]],
        [2, ["StepRun"]],
      ]);
      const steps = await stepsOf(weft, run.run_id);
      const c = steps.filter((s) => s.name === "c").map((s) => [s.attempt, s.status]);
      expect(c).toEqual(
        expect.arrayContaining([
          [0, "Errored"],
          [1, "Errored"],
          [2, "Completed"],
        ]),
      );
      expect(steps.find((s) => s.name === "after")).toMatchObject({ attempt: 0, status: "Completed" });
    } finally {
      await app.close();
    }
  });

  it("answers a step that fails for good as StepFailed beside its siblings' results", async () => {
    const client = new Weft({ id: "par-fail", baseUrl: weft.url });
    const ran = counter();
    const fn = client.createFunction({ id: "fails" }, { event: "par/fails" }, async ({ step }) => {
      const settled = await Promise.allSettled(
        ["a", "b", "c"].map((p) =>
          step.run(p, () => {
            ran.add(p);
            if (p === "b") throw new NonRetriableError("b is broken");
            return p;
          }),
        ),
      );
      return settled.map((s) => (s.status === "fulfilled" ? s.value : `failed: ${(s.reason as Error).message}`));
    });
    const app = await recordingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "par/fails");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toEqual(["a", "failed: b is broken", "c"]);
      expect(Object.fromEntries(ran.counts)).toEqual({ a: 1, b: 1, c: 1 });
      expect(app.calls.map((c) => c.ops)).toEqual([["StepRun", "StepFailed", "StepRun"], []]);
    } finally {
      await app.close();
    }
  });

  it("runs the steps of a Promise.all beside a sleep in the same call, and reports the sleep", async () => {
    const client = new Weft({ id: "par-sleep", baseUrl: weft.url });
    const ran = counter();
    const fn = client.createFunction({ id: "nap" }, { event: "par/nap" }, async ({ step }) => {
      const started = await step.run("start", () => Date.now());
      const [, a, b] = await Promise.all([step.sleep("nap", "1s"), step.run("a", () => (ran.add("a"), "A")), step.run("b", () => (ran.add("b"), "B"))]);
      const ended = await step.run("end", () => Date.now());
      return { ab: `${a}${b}`, slept: ended - started };
    });
    const app = await recordingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "par/nap");
      const done = await runWithStatus(weft, run.run_id, "Completed");
      expect(done.output).toMatchObject({ ab: "AB" });
      expect((done.output as { slept: number }).slept).toBeGreaterThanOrEqual(1000);
      expect(Object.fromEntries(ran.counts)).toEqual({ a: 1, b: 1 });
      // start (checkpointed), then the group's two results and the sleep in one answer; a look after
      // those results (the handler might go on: a race) finds the sleep pending; after it, the end.
      expect(app.calls.map((c) => c.ops)).toEqual([["StepRun", "StepRun", "Sleep"], ["Sleep"], []]);
    } finally {
      await app.close();
    }
  });

  it("takes the classic path when the server does not advertise it: one call per step", async () => {
    const client = new Weft({ id: "par-classic", baseUrl: weft.url });
    const ran = counter();
    const fn = client.createFunction({ id: "five" }, { event: "par/classic" }, async ({ step }) => {
      const parts = await Promise.all(["a", "b", "c", "d", "e"].map((p) => step.run(p, () => (ran.add(p), p))));
      return parts.join("");
    });
    const app = await recordingApp(client, [fn as WeftFunction<unknown, unknown>], true);
    try {
      const run = await runOf(weft, "par/classic");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe("abcde");
      expect(Object.fromEntries(ran.counts)).toEqual({ a: 1, b: 1, c: 1, d: 1, e: 1 });
      expect(app.calls[0]?.ops).toEqual(Array(5).fill("StepPlanned"));
      expect(app.calls.filter((c) => c.stepId !== "step").map((c) => c.ops)).toEqual(Array(5).fill(["StepRun"]));
    } finally {
      await app.close();
    }
  });
});
