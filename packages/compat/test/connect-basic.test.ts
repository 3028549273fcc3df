// Connect with the official SDK v4: a worker process that calls `connect()` (no HTTP endpoint)
// syncs its app over the WebSocket and runs functions with steps; two workers share the work;
// `maxWorkerConcurrency` caps the calls in flight on a worker; `GET /v1/apps` lists the workers.
import type { ApiConnectWorker } from "@weft/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConnectWorker, type ConnectWorkerProcess } from "../src/connect-worker.js";
import { api, runOf, runsOf, runWithStatus, sendEvents, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/harness.js";

interface AppsAnswer {
  data: { synced: { id: string; url: string; connectSyncedAt?: number }[]; connect_workers: ApiConnectWorker[] };
}

describe("inngest v4 connect(): a worker with no HTTP endpoint", () => {
  let weft: TestWeft;
  const workers: ConnectWorkerProcess[] = [];

  beforeAll(async () => {
    weft = await startTestWeft({ server: { concurrency: 16, maxCallsPerApp: 16 } });
    workers.push(await startConnectWorker({ weftUrl: weft.url, name: "w1" }));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await weft?.close();
  });

  it("the handshake syncs the app, marked as served over Connect, and the worker is listed", async () => {
    const { data } = await api<AppsAnswer>(weft.url, "GET", "/v1/apps");
    const app = data.synced.find((a) => a.id === "connect-app");
    expect(app?.url).toBe("connect://connect-app");
    expect(app?.connectSyncedAt).toEqual(expect.any(Number));
    const fns = await api<{ data: { id: string }[] }>(weft.url, "GET", "/v1/functions");
    expect(fns.data.map((f) => f.id)).toEqual(expect.arrayContaining(["connect-app-steps", "connect-app-count", "connect-app-slow", "connect-app-capped"]));
    const w1 = data.connect_workers.find((w) => w.instance_id === "w1");
    expect(w1).toMatchObject({ apps: ["connect-app"], status: "ready", max_concurrency: null, in_flight: 0 });
    expect(w1?.sdk).toMatch(/^typescript:v4\./);
    expect(Date.parse(w1?.last_heartbeat_at ?? "")).toBeGreaterThan(0);
  });

  it("a function served only over Connect runs to completion with step.run and step.sleep", async () => {
    const run = await runOf(weft, "connect/steps");
    const done = await runWithStatus(weft, run.run_id, "Completed", 20_000);
    expect(done.output).toEqual({ a: { from: "w1" }, b: { from: "w1" } });
    const steps = await stepsOf(weft, run.run_id);
    expect(steps.filter((s) => s.status === "Completed").map((s) => s.name)).toEqual(expect.arrayContaining(["a", "nap", "b"]));
  });

  it("a NonRetriableError thrown outside a step fails the run at once (the SDK sends it as DONE with no-retry)", async () => {
    const run = await runOf(weft, "connect/refuse");
    const failed = await runWithStatus(weft, run.run_id, "Failed", 20_000);
    expect(JSON.stringify(failed.output)).toContain("refused for good");
  });

  it("two workers of one app share 200 runs, and all 200 complete", async () => {
    workers.push(await startConnectWorker({ weftUrl: weft.url, name: "w2" }));
    const ids = await sendEvents(
      weft,
      Array.from({ length: 200 }, (_, n) => ({ name: "connect/count", data: { n } })),
    );
    const outputs = await Promise.all(
      ids.map(async (eventId) => {
        const [run] = await runsOf(weft, eventId);
        return (await runWithStatus(weft, run?.run_id ?? "", "Completed", 60_000)).output as { n: number; worker: string };
      }),
    );
    expect(outputs.map((o) => o.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    const byWorker = new Map<string, number>();
    for (const o of outputs) byWorker.set(o.worker, (byWorker.get(o.worker) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(["w1", "w2"]);
    expect(byWorker.get("w1")).toBeGreaterThan(0);
    expect(byWorker.get("w2")).toBeGreaterThan(0);
  }, 90_000);
});

describe("inngest v4 connect(): maxWorkerConcurrency", () => {
  let weft: TestWeft;
  let worker: ConnectWorkerProcess;

  beforeAll(async () => {
    weft = await startTestWeft({ server: { concurrency: 16, maxCallsPerApp: 16 } });
    worker = await startConnectWorker({ weftUrl: weft.url, name: "capped", appId: "capped-app", maxConcurrency: 2 });
  });

  afterAll(async () => {
    await worker?.kill();
    await weft?.close();
  });

  it("never has more calls in flight on a worker than it allows", async () => {
    const { data } = await api<AppsAnswer>(weft.url, "GET", "/v1/apps");
    expect(data.connect_workers.find((w) => w.instance_id === "capped")?.max_concurrency).toBe(2);
    const ids = await sendEvents(
      weft,
      Array.from({ length: 10 }, () => ({ name: "connect/capped", data: {} })),
    );
    const outputs = await Promise.all(
      ids.map(async (eventId) => {
        const [run] = await runsOf(weft, eventId);
        return (await runWithStatus(weft, run?.run_id ?? "", "Completed", 30_000)).output as { maxRunning: number };
      }),
    );
    const most = Math.max(...outputs.map((o) => o.maxRunning));
    // Ten runs of a 300 ms step on 16 engine slots: the worker was offered all it allows, never more.
    expect(most).toBe(2);
  }, 40_000);

  it("the worker leaves the list when it is gone", async () => {
    await worker.kill();
    await waitFor(async () => {
      const { data } = await api<AppsAnswer>(weft.url, "GET", "/v1/apps");
      return data.connect_workers.some((w) => w.instance_id === "capped") ? undefined : true;
    }, "the killed worker to leave the list");
  });
});
