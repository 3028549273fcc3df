// Several `weft start` processes share one store while worker processes are killed at random
// mid-step: every run finishes once, no step seen recorded runs again, no acknowledged event is
// lost. Runs against real Postgres (everything), Postgres with run state, pauses and queue on
// Redis and on a 3-node Redis Cluster (started here on loopback ports), and one SQLite file that
// every process opens (each holds the write lock for one event-loop turn at a time).
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { api, runWithStatus, stepsOf, waitFor, type ApiRun, type TestWeft } from "../src/index.js";
import { startRedisCluster } from "@weft/testing";
import { dropTestData, testBackend } from "../src/backends.js";
import { countingAppSteps, freePort, kill9, processLog, requireBuiltCli, startCountingApp, startWeftProcess } from "../src/processes.js";

const processes = 3;
const runs = 15;
const live: ChildProcess[] = [];
const postgres = await testBackend("postgres");
const redis = await testBackend("redis");
const tag = `chaos_${process.pid}_${Date.now()}`;
const sqliteDir = mkdtempSync(join(tmpdir(), "weft-scale-out-"));

afterAll(async () => {
  for (const p of live) p.kill("SIGKILL");
  await cluster?.stop();
  await dropTestData({ postgres, schemas: ["pg", "pgr", "pgc"].map((s) => `${tag}_${s}`), redis, prefixes: [`${tag}:`] });
  rmSync(sqliteDir, { recursive: true, force: true });
});
// The cluster helper is the Redis store's own (one home for it).
const cluster = redis && postgres ? await startRedisCluster() : undefined;
const setups = [
  { name: "postgres", db: postgres && `${postgres}?schema=${tag}_pg`, state: undefined },
  { name: "postgres + redis state", db: postgres && `${postgres}?schema=${tag}_pgr`, state: redis && `${redis}?keyPrefix=${tag}:` },
  { name: "postgres + redis cluster state", db: postgres && `${postgres}?schema=${tag}_pgc`, state: cluster && `${cluster.url}?keyPrefix=${tag}:` },
  { name: "one sqlite file", db: `sqlite:${join(sqliteDir, "weft.db")}`, state: undefined },
];

describe.each(setups)("scale-out on $name", ({ db, state, name }) => {
  const ready = db !== undefined && (name === "postgres" || name === "one sqlite file" || state !== undefined);
  it.runIf(ready)("shares all work, survives kill -9 of workers, runs every step once", { timeout: 240_000 }, async () => {
    requireBuiltCli();
    const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const app = await startCountingApp(urls[0]!);
    const start = (i: number) =>
      startWeftProcess([
        "start",
        "--insecure-dev",
        "--port",
        String(ports[i]),
        "--db",
        db!,
        ...(state ? ["--state", state, "--redis-no-persistence-ok"] : []),
        "-u",
        app.url,
        "--retry-interval",
        "100ms",
        "--lease",
        "1s",
        "--workers",
        "8",
      ]);
    const procs: ChildProcess[] = [];
    try {
      // The first start migrates; the rest start together.
      procs[0] = await start(0);
      for (let i = 1; i < processes; i++) procs[i] = await start(i);
      live.push(...procs);
      const pick = () => urls[Math.floor(Math.random() * processes)]!;
      const acknowledged: string[] = [];
      for (let k = 0; k < runs; k++) {
        const { ids } = await api<{ ids: string[] }>(urls[k % processes]!, "POST", "/e/key", { name: "crash/start", data: { k } });
        acknowledged.push(...ids);
      }
      const weft = () => ({ url: urls[procs.findIndex((p) => p.exitCode === null && p.signalCode === null)] ?? urls[0]! }) as TestWeft;
      const runIds = await waitFor(
        async () => {
          const found = await Promise.all(acknowledged.map((id) => api<{ data: ApiRun[] }>(weft().url, "GET", `/v1/events/${id}/runs`)));
          return found.every((f) => f.data.length === 1) ? found.map((f) => f.data[0]!.run_id) : undefined;
        },
        "every event to start its run",
        60_000,
      );

      // Chaos: kill one worker at random every 300-600 ms, bring it back, for a few seconds.
      const recorded = new Map<string, number>();
      const snapshot = async () => {
        for (const [k, runId] of runIds.entries()) {
          for (const s of await stepsOf(weft(), runId)) {
            const key = `${k}:${s.name}`;
            if (s.op === "StepRun" && s.status === "Completed" && !recorded.has(key)) recorded.set(key, app.executions.get(key) ?? 0);
          }
        }
      };
      for (let round = 0; round < 6; round++) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 300));
        await snapshot();
        const victim = 1 + Math.floor(Math.random() * (processes - 1)); // keep the app's base URL alive
        await kill9(procs[victim]!);
        procs[victim] = await start(victim);
        live.push(procs[victim]!);
      }

      for (const runId of runIds) {
        await waitFor(
          async () => ((await stepsOf(weft(), runId)).some((s) => s.op === "WaitForEvent") ? true : undefined),
          `run ${runId} to wait`,
          60_000,
        ).catch(async (error: Error) => {
          // Say where the run stopped: its state, its timeline and what each engine printed.
          const { data: run } = await api<{ data: ApiRun }>(weft().url, "GET", `/v1/runs/${runId}`);
          const steps = await stepsOf(weft(), runId);
          const logs = live.map((p, i) => `--- engine process ${i}\n${processLog(p).slice(-4000)}`).join("\n");
          throw new Error(`${error.message}\nrun: ${JSON.stringify(run)}\nsteps: ${JSON.stringify(steps)}\n${logs}`);
        });
      }
      for (let k = 0; k < runs; k++) await api(pick(), "POST", "/e/key", { name: "crash/go", data: { k } });
      for (const [k, runId] of runIds.entries()) {
        expect((await runWithStatus(weft(), runId, "Completed", 60_000)).output).toEqual({ k, go: true });
      }
      expect(recorded.size).toBeGreaterThan(0);
      for (const [key, seen] of recorded) expect(app.executions.get(key), key).toBe(seen);
      for (let k = 0; k < runs; k++) for (const s of countingAppSteps) expect(app.executions.get(`${k}:${s}`) ?? 0, `${k}:${s}`).toBeGreaterThanOrEqual(1);
      // Each run finished exactly once: one inngest/function.finished event per run.
      const { data: finished } = await api<{ data: { data: { run_id: string } }[] }>(weft().url, "GET", "/v1/events?name=inngest/function.finished&limit=1000");
      const perRun = new Map<string, number>();
      for (const e of finished) perRun.set(e.data.run_id, (perRun.get(e.data.run_id) ?? 0) + 1);
      for (const runId of runIds) expect(perRun.get(runId), runId).toBe(1);
    } finally {
      for (const p of procs) if (p) await kill9(p);
      await app.close();
    }
  });
});
