// kill -9 of `weft dev` while runs sleep, wait for events and run steps: after a restart on the
// same SQLite file every run completes, no step whose result was recorded runs again, and every
// acknowledged event has its run. The server runs as a real child process from the built CLI,
// so the kill is a real SIGKILL.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { api, runWithStatus, stepsOf, waitFor, type ApiRun, type TestWeft } from "../src/index.js";
import { countingAppSteps, freePort, kill9, requireBuiltCli, startCountingApp, startWeftProcess } from "../src/processes.js";

const runs = 12;
const dataDir = mkdtempSync(join(tmpdir(), "weft-crash-"));
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("kill -9 of the server", () => {
  it("loses no acknowledged event and re-runs no recorded step", { timeout: 60_000 }, async () => {
    requireBuiltCli();
    const port = await freePort();
    const weft = { url: `http://127.0.0.1:${port}` } as TestWeft;
    const app = await startCountingApp(weft.url);
    const start = () =>
      startWeftProcess(["dev", "--port", String(port), "--data-dir", dataDir, "-u", app.url, "--retry-interval", "100ms", "--lease", "1s", "--no-discovery"]);
    try {
      server = await start();
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
            if (s.op === "StepRun" && s.status === "Completed" && !recorded.has(key)) recorded.set(key, app.executions.get(key) ?? 0);
          }
        }
      };
      await snapshot();
      await kill9(server);

      // Restart on the same file; kill once more while runs sleep or wait, then restart for good.
      server = await start();
      await waitFor(async () => ((await stepsOf(weft, runIds[runs - 1]!)).some((s) => s.op === "Sleep") ? true : undefined), "a sleep");
      await snapshot();
      await kill9(server);
      server = await start();

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
      for (const [key, seen] of recorded) expect(app.executions.get(key), key).toBe(seen);
      for (let k = 0; k < runs; k++) for (const s of countingAppSteps) expect(app.executions.get(`${k}:${s}`), `${k}:${s}`).toBeGreaterThanOrEqual(1);
    } finally {
      await app.close();
    }
  });
});
