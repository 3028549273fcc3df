// The store goes away while runs are in flight and comes back: the engine logs one line for the
// outage, retries with backoff and resumes; events sent during the outage are refused with 503
// (never acknowledged and then lost); every acknowledged event's run completes, and no step whose
// result was recorded runs again. Redis: a throwaway persistent redis-server of the test's own,
// SIGKILLed and restarted (never the machine's). Postgres: the server's own login role is barred
// and its connections terminated (pg_terminate_backend), then let back in (never a restart).
// Slow (tens of seconds): runs when WEFT_SLOW_TESTS=1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@weft/engine";
import { serve, Weft } from "@weft/sdk";
import { closeStores, openStores, startWeftServer, type StoreConfig } from "@weft/server";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { startRestartableRedis, type RestartableRedis } from "@weft/testing";
import { dropTestData, testBackend } from "../src/backends.js";
import { api, waitFor, type ApiRun, type ApiStep } from "../src/index.js";

const slow = process.env.WEFT_SLOW_TESTS === "1";
const steps = ["a", "b", "c"];
const tag = `outage_${process.pid}_${Date.now()}`;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

interface Outage {
  store: StoreConfig;
  down(): Promise<void>;
  up(): Promise<void>;
}

/** Run the scenario against one store; answers the figures for docs/reliability.md. */
async function survivesOutage(name: string, outage: Outage) {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => {},
    info: (m, f) => lines.push(`info ${m} ${f ? JSON.stringify(f) : ""}`),
    warn: (m, f) => lines.push(`warn ${m} ${f ? JSON.stringify(f) : ""}`),
    error: (m, f) => lines.push(`error ${m} ${f ? JSON.stringify(f) : ""}`),
  };
  const stores = await openStores(outage.store);
  const server = await startWeftServer({ stores, port: 0, retryIntervalMs: 100, leaseMs: 1000, log, syncIntervalMs: 60_000 });
  cleanups.push(async () => {
    await server.close();
    await closeStores(stores);
  });
  const executions = new Map<string, number>();
  const client = new Weft({ id: "outage-app", baseUrl: server.url });
  const fn = client.createFunction({ id: "work" }, { event: "outage/work" }, async ({ event, step }) => {
    const k = event.data.k as number;
    for (const s of steps) {
      await step.run(s, async () => {
        executions.set(`${k}:${s}`, (executions.get(`${k}:${s}`) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 100));
        return s;
      });
    }
    return k;
  });
  const handler = serve({ client, functions: [fn] });
  const http = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    http.closeAllConnections();
    http.close();
  });
  const synced = await api<{ data: { ok: boolean } }>(server.url, "POST", "/v1/apps", {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`,
  });
  expect(synced.data.ok).toBe(true);

  const send = async (name: string, k: number) => {
    const res = await request(new URL("/e/key", server.url), { method: "POST", body: JSON.stringify({ name, data: { k } }) });
    return { status: res.statusCode, json: (await res.body.json()) as { ids: string[]; error?: string } };
  };
  const acknowledged = new Map<string, number>();
  for (let k = 0; k < 10; k++) {
    const { status, json } = await send("outage/work", k);
    expect(status).toBe(200);
    acknowledged.set(json.ids[0] as string, k);
  }
  // Go down while steps run: once a few have been recorded.
  const stepsOf = async (runId: string) => (await api<{ data: ApiStep[] }>(server.url, "GET", `/v1/runs/${runId}/steps`)).data;
  const runOf = async (eventId: string) => (await api<{ data: ApiRun[] }>(server.url, "GET", `/v1/events/${eventId}/runs`)).data;
  await waitFor(async () => ([...executions.values()].length >= 6 ? true : undefined), "a few steps to run");
  const recorded = new Map<string, number>();
  for (const [eventId, k] of acknowledged) {
    for (const run of await runOf(eventId)) {
      for (const s of await stepsOf(run.run_id)) if (s.status === "Completed") recorded.set(`${k}:${s.name}`, executions.get(`${k}:${s.name}`) ?? 0);
    }
  }
  const outageAt = Date.now();
  await outage.down();
  const refused: number[] = [];
  for (let k = 100; Date.now() - outageAt < 2000; k++) {
    const { status, json } = await send("outage/refused", k);
    expect(status, `event ${k} during the outage`).toBe(503);
    expect(json.error).toMatch(/nothing was acknowledged, retry it/);
    refused.push(k);
  }
  await outage.up();
  for (let k = 200; k < 210; k++) {
    const { status, json } = await send("outage/work", k);
    expect(status).toBe(200);
    acknowledged.set(json.ids[0] as string, k);
  }

  // Every acknowledged event has exactly one run, and it completes.
  let completed = 0;
  for (const [eventId, k] of acknowledged) {
    const run = await waitFor(
      async () => {
        const runs = await runOf(eventId).catch(() => []);
        return runs.length === 1 && runs[0]?.status === "Completed" ? runs[0] : undefined;
      },
      `the run of event ${k} to complete`,
      30_000,
    );
    expect(run.output).toBe(k);
    completed++;
    for (const s of steps) expect(executions.get(`${k}:${s}`), `${k}:${s}`).toBeGreaterThanOrEqual(1);
  }
  // Recorded steps never ran again; the refused events started nothing.
  for (const [key, seen] of recorded) expect(executions.get(key), key).toBe(seen);
  const { data: stored } = await api<{ data: { internal_id: string }[] }>(server.url, "GET", "/v1/events?name=outage/refused");
  for (const e of stored) expect(await runOf(e.internal_id)).toEqual([]);
  // One line for the outage and one for the recovery, from the worker.
  expect(lines.filter((l) => l.includes("store unavailable, retrying"))).toHaveLength(1);
  expect(lines.filter((l) => l.includes("store available again"))).toHaveLength(1);
  const rerun = [...executions.values()].filter((n) => n > 1).length;
  const figures = {
    store: name,
    acknowledged: acknowledged.size,
    completed,
    lost: acknowledged.size - completed,
    refused503: refused.length,
    refusedButListed: stored.length,
    recordedStepsRerun: 0,
    unrecordedStepsRerun: rerun,
    logLines: lines.filter((l) => !l.startsWith("info")).length,
  };
  console.log(`store outage: ${JSON.stringify(figures)}`);
  if (process.env.WEFT_TEST_LOG) console.log(lines.join("\n"));
  return figures;
}

describe.runIf(slow)("store outage", () => {
  it("redis (run state, pauses, queue) killed and restarted under a running server", { timeout: 90_000 }, async () => {
    const redis: RestartableRedis = await startRestartableRedis();
    cleanups.push(() => redis.stop());
    const dir = mkdtempSync(join(tmpdir(), "weft-outage-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    await survivesOutage("sqlite + redis", {
      store: { db: `sqlite:${join(dir, "weft.db")}`, state: redis.url },
      down: () => redis.kill(),
      up: () => redis.restart(),
    });
  });

  it("postgres (everything) with the server's connections terminated and its role barred", { timeout: 90_000 }, async (ctx) => {
    const postgres = await testBackend("postgres");
    if (!postgres) return ctx.skip();
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: postgres });
    await admin.connect();
    const role = tag;
    const database = new URL(postgres).pathname.slice(1);
    await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'outage'`);
    await admin.query(`GRANT CREATE, CONNECT ON DATABASE "${database}" TO "${role}"`);
    cleanups.push(async () => {
      await dropTestData({ postgres, schemas: [tag] });
      await admin.query(`DROP OWNED BY "${role}"`).catch(() => {});
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
      await admin.end();
    });
    const url = new URL(postgres);
    url.username = role;
    url.password = "outage";
    url.searchParams.set("schema", tag);
    url.searchParams.set("application_name", tag);
    await survivesOutage("postgres", {
      store: { db: url.toString() },
      down: async () => {
        await admin.query(`ALTER ROLE "${role}" NOLOGIN`);
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [tag]);
      },
      up: async () => {
        await admin.query(`ALTER ROLE "${role}" LOGIN`);
      },
    });
  });
});
