// Connect across processes: two `weft start` processes (production mode: a signing key) on one
// SQLite file. A worker connected to process A runs the work of an event sent to process B: the
// job is routed through the store (B puts it back, A leases it), and both list the worker.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiConnectWorker, ApiRun } from "@weft/core";
import { freePort, kill9, requireBuiltCli, startWeftProcess, waitFor } from "@weft/e2e";
import { afterAll, describe, expect, it } from "vitest";
import { startConnectWorker, type ConnectWorkerProcess } from "../src/connect-worker.js";

const signingKey = `signkey-test-${"5a6b".repeat(16)}`;
const apiToken = "connect-cluster-token";
const eventKey = "connect-cluster-key";

async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${apiToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe("Connect with two weft start processes on one store", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-connect-cluster-"));
  const processes: ChildProcess[] = [];
  let worker: ConnectWorkerProcess | undefined;

  afterAll(async () => {
    await worker?.kill();
    await Promise.all(processes.map(kill9));
    rmSync(dir, { recursive: true, force: true });
  });

  it("a worker connected to process A runs the work of an event sent to process B", async () => {
    requireBuiltCli();
    const ports = [await freePort(), await freePort()];
    const start = (port: number) =>
      startWeftProcess(
        [
          "start",
          "--port",
          String(port),
          "--db",
          `sqlite:${join(dir, "weft.db")}`,
          "--signing-key",
          signingKey,
          "--event-key",
          eventKey,
          "--api-token",
          apiToken,
          "--retry-interval",
          "50ms",
        ],
        "Weft start server on",
      );
    // The first start migrates; the second opens the migrated file.
    processes.push(await start(ports[0] as number));
    processes.push(await start(ports[1] as number));
    const [a, b] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string];
    worker = await startConnectWorker({ weftUrl: a, name: "on-a", appId: "cluster-app", signingKey });

    // Both processes list the worker, held by A.
    const listed = await waitFor(async () => {
      const { data } = await call<{ data: { connect_workers: ApiConnectWorker[] } }>(b, "GET", "/v1/apps");
      return data.connect_workers.find((w) => w.instance_id === "on-a");
    }, "process B to list the worker");
    expect(listed).toMatchObject({ apps: ["cluster-app"], status: "ready" });

    const runs: string[] = [];
    for (let n = 0; n < 5; n++) {
      const { ids } = await call<{ ids: string[] }>(b, "POST", `/e/${eventKey}`, { name: "connect/count", data: { n } });
      const [run] = await waitFor(async () => {
        const { data } = await call<{ data: ApiRun[] }>(b, "GET", `/v1/events/${ids[0]}/runs`);
        return data.length > 0 ? data : undefined;
      }, "the run to start");
      runs.push((run as ApiRun).run_id);
    }
    for (const [n, runId] of runs.entries()) {
      const done = await waitFor(
        async () => {
          const { data } = await call<{ data: ApiRun }>(b, "GET", `/v1/runs/${runId}`);
          return data.status === "Completed" ? data : undefined;
        },
        `run ${runId} to complete`,
        30_000,
      );
      expect(done.output).toEqual({ n, worker: "on-a" });
    }
  }, 90_000);
});
