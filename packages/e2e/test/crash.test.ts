// kill -9 of `weft dev` while runs sleep, wait for events and run steps: after a restart on the
// same SQLite file every run completes, no step whose result was recorded runs again, and every
// acknowledged event has its run. The server runs as a real child process from the built CLI
// (`npm test` builds first), so the kill is a real SIGKILL.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createHttpServer } from "node:http";
import { serve, Weft } from "@weft/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { api, runWithStatus, stepsOf, waitFor, type ApiRun, type TestWeft } from "../src/index.js";

const cli = new URL("../../cli/dist/bin.js", import.meta.url).pathname;
const runs = 12;
const executions = new Map<string, number>();
const dataDir = mkdtempSync(join(tmpdir(), "weft-crash-"));
let server: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startServer(port: number, appUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, "dev", "--port", String(port), "--data-dir", dataDir, "-u", appUrl, "--retry-interval", "100ms", "--lease", "1s", "--no-discovery"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`weft dev exited with ${code}: ${log}`)));
    const check = setInterval(() => {
      if (log.includes("app sync ok")) {
        clearInterval(check);
        child.removeAllListeners("exit");
        resolve(child);
      }
    }, 20);
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("kill -9 of the server", () => {
  it("loses no acknowledged event and re-runs no recorded step", { timeout: 60_000 }, async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm test\` (it builds first) or \`npm run build\``);
    const port = await freePort();
    const weft = { url: `http://127.0.0.1:${port}` } as TestWeft;
    const client = new Weft({ id: "crash-app", baseUrl: weft.url });
    const ran = (k: unknown, step: string) => {
      const key = `${k}:${step}`;
      executions.set(key, (executions.get(key) ?? 0) + 1);
    };
    const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const fn = client.createFunction({ id: "durable" }, { event: "crash/start" }, async ({ event, step }) => {
      const k = event.data.k as number;
      await step.run("a", async () => (ran(k, "a"), await slow(20), k));
      await step.run("b", async () => (ran(k, "b"), await slow(400), k));
      await step.sleep("nap", "1s");
      await step.run("c", async () => (ran(k, "c"), await slow(20), k));
      const go = await step.waitForEvent("go", { event: "crash/go", match: "data.k", timeout: "1h" });
      await step.run("d", () => (ran(k, "d"), k));
      return { k, go: go !== null };
    });
    const handler = serve({ client, functions: [fn] });
    const app = createHttpServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    const appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/api/inngest`;

    try {
      server = await startServer(port, appUrl);
      const acknowledged: string[] = [];
      for (let k = 0; k < runs; k++) {
        const { ids } = await api<{ ids: string[] }>(weft.url, "POST", "/e/key", { name: "crash/start", data: { k } });
        acknowledged.push(...ids);
      }
      // Kill while steps run and some runs sleep: after the first results are recorded.
      const runIds = await waitFor(async () => {
        const found = await Promise.all(acknowledged.map((id) => api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/events/${id}/runs`)));
        return found.every((f) => f.data.length === 1) ? found.map((f) => f.data[0]!.run_id) : undefined;
      }, "every event to start its run");
      await waitFor(async () => ((await stepsOf(weft, runIds[0]!)).some((s) => s.status === "Completed") ? true : undefined), "a first step");
      // Executions of each step at the moment its result was seen recorded: it must never grow.
      const recorded = new Map<string, number>();
      const snapshot = async () => {
        for (const [i, runId] of runIds.entries()) {
          for (const s of await stepsOf(weft, runId)) {
            const key = `${i}:${s.name}`;
            if (s.op === "StepRun" && s.status === "Completed" && !recorded.has(key)) recorded.set(key, executions.get(key) ?? 0);
          }
        }
      };
      await snapshot();
      await kill9(server);

      // Restart on the same file; kill once more while runs sleep or wait, then restart for good.
      server = await startServer(port, appUrl);
      await waitFor(async () => ((await stepsOf(weft, runIds[runs - 1]!)).some((s) => s.op === "Sleep") ? true : undefined), "a sleep");
      await snapshot();
      await kill9(server);
      server = await startServer(port, appUrl);

      // Every run reaches its wait; then one matching event each resumes it.
      for (const runId of runIds) {
        await waitFor(async () => ((await stepsOf(weft, runId)).some((s) => s.op === "WaitForEvent") ? true : undefined), `run ${runId} to wait`, 15_000);
      }
      for (let k = 0; k < runs; k++) await api(weft.url, "POST", "/e/key", { name: "crash/go", data: { k } });
      for (const [k, runId] of runIds.entries()) {
        const done = await runWithStatus(weft, runId, "Completed", 15_000);
        expect(done.output).toEqual({ k, go: true });
      }
      // Steps recorded before a kill ran exactly once; every step ran at least once.
      expect(recorded.size).toBeGreaterThan(0);
      for (const [key, seen] of recorded) expect(executions.get(key), key).toBe(seen);
      for (let k = 0; k < runs; k++) for (const s of ["a", "b", "c", "d"]) expect(executions.get(`${k}:${s}`), `${k}:${s}`).toBeGreaterThanOrEqual(1);
    } finally {
      app.closeAllConnections();
      app.close();
    }
  });
});
