// Connect failures with the official SDK v4: a worker killed (kill -9) in the middle of a step
// loses nothing (the call fails as retriable and the run completes on the other worker), and a
// worker reconnects by itself after the server restarts on the same port and store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiConnectWorker } from "@weft/core";
import { freePort } from "@weft/e2e";
import { silentLogger } from "@weft/engine";
import { closeStores, openStores, startWeftServer, type WeftServer } from "@weft/server";
import { afterAll, describe, expect, it } from "vitest";
import { startConnectWorker, type ConnectWorkerProcess } from "../src/connect-worker.js";
import { api, runOf, runWithStatus, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/harness.js";

const workersOf = async (url: string) => (await api<{ data: { connect_workers: ApiConnectWorker[] } }>(url, "GET", "/v1/apps")).data.connect_workers;

describe("inngest v4 connect(): a worker killed mid-step", () => {
  const workers: ConnectWorkerProcess[] = [];
  let weft: TestWeft | undefined;

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await weft?.close();
  });

  it("loses nothing: the step runs again on the other worker and the run completes", async () => {
    weft = await startTestWeft();
    // The first worker's step never finishes; the second's returns at once.
    const doomed = await startConnectWorker({ weftUrl: weft.url, name: "doomed", appId: "failover-app", hangMs: 600_000 });
    workers.push(doomed);
    const run = await runOf(weft, "connect/slow");
    await doomed.waitForLog(`STEP_STARTED ${run.run_id} on doomed`);
    workers.push(await startConnectWorker({ weftUrl: weft.url, name: "rescuer", appId: "failover-app" }));
    await doomed.kill("SIGKILL");
    const done = await runWithStatus(weft, run.run_id, "Completed", 20_000);
    expect(done.output).toEqual({ worker: "rescuer" });
    // The lost call is on the run's timeline as an attempt that errored, to be retried.
    const lost = (await stepsOf(weft, run.run_id)).find((s) => s.status === "Errored");
    expect(lost?.error?.message).toMatch(/disconnected with the request in flight/);
  }, 40_000);
});

describe("inngest v4 connect(): the server restarts", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-connect-"));
  let current: { server: WeftServer; stores: Awaited<ReturnType<typeof openStores>> } | undefined;
  let worker: ConnectWorkerProcess | undefined;

  async function startServer(port: number) {
    const stores = await openStores(`sqlite:${join(dir, "weft.db")}`);
    const server = await startWeftServer({
      stores,
      port,
      retryIntervalMs: 50,
      log: process.env.WEFT_TEST_LOG ? undefined : silentLogger,
      syncIntervalMs: 60_000,
    });
    current = { server, stores };
    return server;
  }

  async function stopServer() {
    if (!current) return;
    await current.server.close();
    await closeStores(current.stores);
    current = undefined;
  }

  afterAll(async () => {
    await worker?.kill();
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the worker reconnects and runs work queued after the restart", async () => {
    const port = await freePort();
    let server = await startServer(port);
    worker = await startConnectWorker({ weftUrl: server.url, name: "steady", appId: "restart-app" });
    const before = await runOf({ url: server.url } as TestWeft, "connect/count", { n: 1 });
    expect((await runWithStatus({ url: server.url } as TestWeft, before.run_id, "Completed")).output).toEqual({ n: 1, worker: "steady" });

    await stopServer();
    server = await startServer(port);
    const weft = { url: server.url } as TestWeft;
    const after = await runOf(weft, "connect/count", { n: 2 });
    expect((await runWithStatus(weft, after.run_id, "Completed", 30_000)).output).toEqual({ n: 2, worker: "steady" });
    // The same process, on a new connection to the new server.
    await waitFor(
      async () => ((await workersOf(server.url)).some((w) => w.instance_id === "steady" && w.status === "ready") ? true : undefined),
      "the worker listed again",
    );
    expect(worker.child.exitCode).toBeNull();
  }, 60_000);
});
