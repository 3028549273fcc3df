// Weft's own SDK served only over `connect()` (Inngest Connect: an outbound WebSocket), against a
// real server over real sockets: a run with step.run + step.sleep completes; two workers share
// work; a worker whose socket drops loses nothing (its run finishes on the other); a worker
// reconnects after the server restarts on the same port and store; close() drains.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiConnectWorker } from "@weft/core";
import { silentLogger } from "@weft/engine";
import { connect, NonRetriableError, Weft, type WorkerConnection } from "@weft/sdk";
import { closeStores, openStores, startWeftServer, type WeftServer } from "@weft/server";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { api, freePort, runOf, runWithStatus, sendEvents, runsOf, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const appId = "sdk-connect-app";

/** A step the test holds open until it lets go, and the runs that reached it. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { started: new Set<string>(), opened, open };
}

interface TestWorker {
  name: string;
  handle: WorkerConnection;
  slowGate: ReturnType<typeof gate>;
}

const workers: TestWorker[] = [];
let fatalCalls = 0;

/**
 * A `connect()` worker of `appId` in this process; `baseUrl` may be a proxy in front of the
 * server. `holdSlow`: its `slow` step waits until the test opens the gate (otherwise it returns at once).
 */
async function startWorker(baseUrl: string, name: string, opts: { holdSlow?: boolean; signingKey?: string } = {}): Promise<TestWorker> {
  const client = new Weft({ id: appId, baseUrl, logger: quiet, ...(opts.signingKey ? { signingKey: opts.signingKey, isDev: false } : {}) });
  const slowGate = gate();
  if (!opts.holdSlow) slowGate.open();
  const functions = [
    client.createFunction({ id: "steps", retries: 2 }, { event: "sdkc/steps" }, async ({ step }) => {
      const a = await step.run("a", () => ({ from: name }));
      await step.sleep("nap", "1s");
      const b = await step.run("b", () => ({ from: name }));
      return { a, b };
    }),
    client.createFunction({ id: "count", retries: 3 }, { event: "sdkc/count" }, async ({ event, step }) =>
      step.run("one", () => ({ n: event.data.n as number, worker: name })),
    ),
    client.createFunction({ id: "fatal", retries: 3 }, { event: "sdkc/fatal" }, async () => {
      fatalCalls++;
      throw new NonRetriableError(`refused by ${name}`);
    }),
    client.createFunction({ id: "slow", retries: 3 }, { event: "sdkc/slow" }, async ({ runId, step }) =>
      step.run("hang", async () => {
        slowGate.started.add(runId);
        await slowGate.opened;
        return { worker: name };
      }),
    ),
  ];
  const handle = await connect({ apps: [{ client, functions }], instanceId: name, handleShutdownSignals: [] });
  const worker = { name, handle, slowGate };
  workers.push(worker);
  return worker;
}

const workersOf = async (url: string) => (await api<{ data: { connect_workers: ApiConnectWorker[] } }>(url, "GET", "/v1/apps")).data.connect_workers;

const listed = (url: string, name: string, status: "ready" | "draining") =>
  waitFor(async () => ((await workersOf(url)).some((w) => w.instance_id === name && w.status === status) ? true : undefined), `${name} listed ${status}`);

/** A TCP proxy to `port`: the worker's start request and socket go through it, so the test can cut them. */
async function startProxy(port: number): Promise<{ url: string; cut(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const upstream = createConnection(port, "127.0.0.1");
    for (const s of [inbound, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    inbound.pipe(upstream).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: proxyPort } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

afterEach(async () => {
  // Let every held step finish, then close: a worker with a request in flight waits for it.
  for (const w of workers.splice(0)) {
    w.slowGate.open();
    await w.handle.close();
  }
});

describe("Weft SDK connect()", () => {
  let weft: TestWeft;

  afterAll(async () => {
    await weft?.close();
  });

  it("runs a function served only over the socket, with step.run and step.sleep, to completion", async () => {
    weft = await startTestWeft();
    const worker = await startWorker(weft.url, "solo");
    expect(worker.handle.state).toBe("ACTIVE");
    await listed(weft.url, "solo", "ready");
    // Synced by the handshake alone: the app has no HTTP endpoint.
    const { data: apps } = await api<{ data: { synced: { id: string; url: string }[] } }>(weft.url, "GET", "/v1/apps");
    expect(apps.synced.find((a) => a.id === appId)?.url).toBe(`connect://${appId}`);

    const run = await runOf(weft, "sdkc/steps");
    const done = await runWithStatus(weft, run.run_id, "Completed");
    expect(done.output).toEqual({ a: { from: "solo" }, b: { from: "solo" } });
    const ops = (await stepsOf(weft, run.run_id)).map((s) => s.op);
    expect(ops).toEqual(expect.arrayContaining(["StepRun", "Sleep"]));
  });

  it("a non-retriable error fails the run at once (the reply is an ERROR with no-retry, not a DONE)", async () => {
    await startWorker(weft.url, "solo");
    const run = await runOf(weft, "sdkc/fatal");
    const failed = await runWithStatus(weft, run.run_id, "Failed");
    expect((failed.output as { message?: string }).message).toBe("refused by solo");
    expect(fatalCalls).toBe(1);
  });

  it("two workers share 50 runs, and both do work", async () => {
    await startWorker(weft.url, "left");
    await startWorker(weft.url, "right");
    const ids = await sendEvents(
      weft,
      Array.from({ length: 50 }, (_, n) => ({ name: "sdkc/count", data: { n } })),
    );
    const outputs = await Promise.all(
      ids.map(async (id) => {
        const [run] = await runsOf(weft, id);
        return (await runWithStatus(weft, run?.run_id ?? "", "Completed")).output as { n: number; worker: string };
      }),
    );
    expect(outputs.map((o) => o.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    const byWorker = new Map<string, number>();
    for (const o of outputs) byWorker.set(o.worker, (byWorker.get(o.worker) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(["left", "right"]);
  });

  it("a worker whose socket drops mid-step loses nothing: the run finishes on the other worker", async () => {
    const proxy = await startProxy(Number(new URL(weft.url).port));
    const doomed = await startWorker(proxy.url, "doomed", { holdSlow: true });
    const run = await runOf(weft, "sdkc/slow");
    await waitFor(async () => (doomed.slowGate.started.has(run.run_id) ? true : undefined), "the step started on doomed");
    await startWorker(weft.url, "rescuer");
    proxy.cut();
    const done = await runWithStatus(weft, run.run_id, "Completed", 15_000);
    expect(done.output).toEqual({ worker: "rescuer" });
    // The lost call is on the run's timeline as an attempt that errored, to be retried.
    const lost = (await stepsOf(weft, run.run_id)).find((s) => s.status === "Errored");
    expect(lost?.error?.message).toMatch(/disconnected with the request in flight/);
    expect(doomed.handle.state).toBe("RECONNECTING");
  });

  it("close() drains: the step in flight finishes and answers, no new work is taken", async () => {
    const drainer = await startWorker(weft.url, "drainer", { holdSlow: true });
    const slow = await runOf(weft, "sdkc/slow");
    await waitFor(async () => (drainer.slowGate.started.has(slow.run_id) ? true : undefined), "the step started on drainer");
    let closed = false;
    const closing = drainer.handle.close().then(() => (closed = true));
    expect(drainer.handle.state).toBe("CLOSING");
    await listed(weft.url, "drainer", "draining");
    // Queued while the only worker drains: it waits for a worker with room, and the drainer takes nothing.
    const later = await runOf(weft, "sdkc/count", { n: 7 });
    expect(closed).toBe(false);
    await startWorker(weft.url, "successor");
    expect((await runWithStatus(weft, later.run_id, "Completed")).output).toEqual({ n: 7, worker: "successor" });
    expect(closed).toBe(false);
    drainer.slowGate.open();
    await closing;
    expect(drainer.handle.state).toBe("CLOSED");
    expect((await runWithStatus(weft, slow.run_id, "Completed")).output).toEqual({ worker: "drainer" });
    await waitFor(async () => ((await workersOf(weft.url)).some((w) => w.instance_id === "drainer") ? undefined : true), "drainer unlisted");
  });
});

describe("Weft SDK connect() in production mode", () => {
  let weft: TestWeft | undefined;

  afterAll(async () => {
    await weft?.close();
  });

  it("starts with the hashed signing key as bearer, and runs calls that carry no request signature", async () => {
    const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
    weft = await startTestWeft({ signingKey, eventKeys: ["test-key"] });
    await startWorker(weft.url, "signed", { signingKey });
    const run = await runOf(weft, "sdkc/count", { n: 3 });
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toEqual({ n: 3, worker: "signed" });
  });
});

describe("Weft SDK connect(): the server restarts", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-sdk-connect-"));
  let current: { server: WeftServer; stores: Awaited<ReturnType<typeof openStores>> } | undefined;

  async function startServer(port: number): Promise<WeftServer> {
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

  async function stopServer(): Promise<void> {
    if (!current) return;
    await current.server.close();
    await closeStores(current.stores);
    current = undefined;
  }

  afterAll(async () => {
    for (const w of workers.splice(0)) await w.handle.close();
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the worker reconnects by itself and runs work queued after the restart", async () => {
    const port = await freePort();
    let server = await startServer(port);
    const worker = await startWorker(server.url, "steady");
    const before = await runOf({ url: server.url } as TestWeft, "sdkc/count", { n: 1 });
    expect((await runWithStatus({ url: server.url } as TestWeft, before.run_id, "Completed")).output).toEqual({ n: 1, worker: "steady" });
    const firstConnection = worker.handle.connectionId;

    await stopServer();
    server = await startServer(port);
    const after = await runOf({ url: server.url } as TestWeft, "sdkc/count", { n: 2 });
    expect((await runWithStatus({ url: server.url } as TestWeft, after.run_id, "Completed", 15_000)).output).toEqual({ n: 2, worker: "steady" });
    expect(worker.handle.state).toBe("ACTIVE");
    expect(worker.handle.connectionId).not.toBe(firstConnection);
  });
});
