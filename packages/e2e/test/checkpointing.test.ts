// Checkpointing (protocol §11) with Weft's own SDK over real HTTP: a call runs steps one after
// another in the app and saves each result on the server as it goes, instead of one call per
// step. Saved results survive a call that then fails; an app that cannot reach the server falls
// back to one step per call and loses nothing.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, Weft, type WeftFunction } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, stepsOf, startTestWeft, type TestWeft } from "../src/index.js";
import { freePort } from "../src/processes.js";

let weft: TestWeft;
beforeAll(async () => {
  weft = await startTestWeft({ store: "sqlite", retryIntervalMs: 20, server: { callTimeoutMs: 500 } });
});
afterAll(() => weft.close());

/** Serve `functions`, counting the calls the server makes (POSTs), and sync them. */
async function countingApp(client: Weft, functions: WeftFunction<unknown, unknown>[]) {
  const handler = serve({ client, functions });
  const calls = { count: 0 };
  const http: Server = createServer((req, res) => {
    if (req.method === "POST") calls.count++;
    void handler(req, res);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;
  await api(weft.url, "POST", "/v1/apps", { url });
  return {
    calls,
    close: () => new Promise<void>((r) => (http.closeAllConnections(), http.close(() => r()))),
  };
}

describe("checkpointing with @weft/sdk", () => {
  it("runs sequential steps within one call, saving each result as it goes", async () => {
    const client = new Weft({ id: "cp-seq", baseUrl: weft.url });
    const ran: string[] = [];
    const fn = client.createFunction({ id: "five" }, { event: "cp/five" }, async ({ step }) => {
      let sum = 0;
      for (let i = 1; i <= 5; i++) sum += await step.run(`s${i}`, () => (ran.push(`s${i}`), i));
      return sum;
    });
    const app = await countingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "cp/five");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe(15);
      expect(ran).toEqual(["s1", "s2", "s3", "s4", "s5"]);
      expect(app.calls.count).toBe(1);
      const steps = await stepsOf(weft, run.run_id);
      expect(steps.filter((s) => s.status === "Completed").map((s) => [s.name, s.output])).toEqual([1, 2, 3, 4, 5].map((i) => [`s${i}`, i]));
    } finally {
      await app.close();
    }
  });

  it("keeps the checkpointed results of a call that then fails: the retry runs none of them again", async () => {
    const client = new Weft({ id: "cp-fail", baseUrl: weft.url });
    const ran: string[] = [];
    let hung = false;
    const fn = client.createFunction({ id: "hangs-once" }, { event: "cp/hang" }, async ({ step }) => {
      const a = await step.run("a", () => (ran.push("a"), 1));
      const b = await step.run("b", () => (ran.push("b"), 2));
      // The first time, outlive the server's call timeout: the call fails after a and b were saved.
      const c = await step.run("c", async () => {
        ran.push("c");
        if (!hung) {
          hung = true;
          await new Promise((r) => setTimeout(r, 1500));
        }
        return 3;
      });
      return a + b + c;
    });
    const app = await countingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "cp/hang");
      expect((await runWithStatus(weft, run.run_id, "Completed", 15_000)).output).toBe(6);
      expect(ran.filter((s) => s !== "c")).toEqual(["a", "b"]);
      expect(app.calls.count).toBeGreaterThanOrEqual(2);
    } finally {
      await app.close();
    }
  });

  it("makes one call per step for a client with checkpointing: false", async () => {
    const client = new Weft({ id: "cp-off", baseUrl: weft.url, checkpointing: false });
    const fn = client.createFunction({ id: "three" }, { event: "cp/off" }, async ({ step }) => {
      let sum = 0;
      for (let i = 1; i <= 3; i++) sum += await step.run(`s${i}`, () => i);
      return sum;
    });
    const app = await countingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "cp/off");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe(6);
      expect(app.calls.count).toBe(4);
    } finally {
      await app.close();
    }
  });

  it("falls back to one step per call when the app cannot reach the server", async () => {
    // The app's base URL is a closed port: every checkpoint fails, and each step ends its call.
    const client = new Weft({ id: "cp-unreachable", baseUrl: `http://127.0.0.1:${await freePort()}` });
    const ran: string[] = [];
    const fn = client.createFunction({ id: "three" }, { event: "cp/three" }, async ({ step }) => {
      const parts = [];
      for (let i = 1; i <= 3; i++) parts.push(await step.run(`s${i}`, () => (ran.push(`s${i}`), i)));
      return parts;
    });
    const app = await countingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      const run = await runOf(weft, "cp/three");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toEqual([1, 2, 3]);
      expect(ran).toEqual(["s1", "s2", "s3"]);
      expect(app.calls.count).toBe(4);
    } finally {
      await app.close();
    }
  });

  /** A run parked on a wait that never ends (app `appId`, started by `eventName`), handed to `body`. */
  async function withWaitingRun(appId: string, eventName: string, body: (runId: string) => Promise<void>): Promise<void> {
    const client = new Weft({ id: appId, baseUrl: weft.url });
    const fn = client.createFunction({ id: "waits" }, { event: eventName }, async ({ step }) => {
      await step.waitForEvent("never", { event: "cp/never", timeout: "1h" });
    });
    const app = await countingApp(client, [fn as WeftFunction<unknown, unknown>]);
    try {
      await body((await runOf(weft, eventName)).run_id);
    } finally {
      await app.close();
    }
  }

  it("refuses a second, different result for a checkpointed step: the first result and its timeline line stand", async () => {
    await withWaitingRun("cp-conflict", "cp/wait", async (runId) => {
      const checkpoint = (data: unknown) =>
        api(weft.url, "POST", `/v1/checkpoint/${runId}/async`, { steps: [{ id: "extra", op: "StepRun", name: "extra", displayName: "extra", data }] });
      await checkpoint("first");
      await checkpoint("second");
      const line = (await stepsOf(weft, runId)).find((s) => s.name === "extra");
      expect([line?.status, line?.output]).toEqual(["Completed", "first"]);
    });
  });

  it("tells the SDK to stop (409) when the run was cancelled; the step that ran meanwhile is on the timeline", async () => {
    await withWaitingRun("cp-cancelled", "cp/cancel-me", async (runId) => {
      await api(weft.url, "DELETE", `/v1/runs/${runId}`);
      const res = await request(new URL(`/v1/checkpoint/${runId}/async`, weft.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ steps: [{ id: "late", op: "StepRun", name: "late", displayName: "late", data: "done" }] }),
      });
      expect(res.statusCode).toBe(409);
      await res.body.dump();
      expect((await api<{ data: { status: string } }>(weft.url, "GET", `/v1/runs/${runId}`)).data.status).toBe("Cancelled");
      const line = (await stepsOf(weft, runId)).find((s) => s.name === "late");
      expect([line?.status, line?.output]).toEqual(["Completed", "done"]);
    });
  });

  it("answers bad checkpoints with a 4xx naming the problem", async () => {
    const post = async (path: string, body: string) => {
      const res = await request(new URL(path, weft.url), { method: "POST", headers: { "content-type": "application/json" }, body });
      return [res.statusCode, ((await res.body.json()) as { error?: string }).error];
    };
    const steps = JSON.stringify({ steps: [{ id: "a", op: "StepRun", data: 1 }] });
    expect(await post("/v1/checkpoint/run-x/async", "{not json")).toEqual([400, 'body must be {"steps": [ops…]}']);
    expect(await post("/v1/checkpoint/run-x/async", JSON.stringify({ steps: [{ op: "StepRun" }] }))).toEqual([400, 'body must be {"steps": [ops…]}']);
    expect(await post("/v1/checkpoint/no-such-run/async", steps)).toEqual([404, "run no-such-run not found"]);
  });
});
