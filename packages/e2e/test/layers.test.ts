// The scale-out layers behind the state interface, end to end: runs sharded over several stores
// (two SQLite files; Postgres + Redis when the machine has them) with the cache on top, through a
// real server and app. The engine does not change; only `--state` does.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weft } from "@weft/sdk";
import { openStateLayout } from "@weft/server";
import { startCoordinator } from "@weft/store-remote";
import { afterAll, describe, expect, it } from "vitest";
import { dropTestData, testBackend } from "../src/backends.js";
import { api, runOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "weft-layers-"));
const postgres = await testBackend("postgres");
const redis = await testBackend("redis");
const tag = `layers_${process.pid}_${Date.now()}`;
// A coordinator in this process hosting two SQLite shards: engines reach it as weft://.
const hosted = openStateLayout(`sqlite:${join(dir, "c1.db")},sqlite:${join(dir, "c2.db")}`);
await hosted.init();
const coordinator = await startCoordinator({ stores: hosted, listen: { host: "127.0.0.1", port: 0 }, token: "t0ken", maxInFlight: 4 });

afterAll(async () => {
  await coordinator.close();
  await hosted.close();
  rmSync(dir, { recursive: true, force: true });
  await dropTestData({ postgres, schemas: [tag], redis, prefixes: [`${tag}:`] });
});

const setups = [
  { name: "2 SQLite shards + cache", state: `sqlite:${join(dir, "a.db")},sqlite:${join(dir, "b.db")}`, cacheMb: 8 },
  { name: "a coordinator over 2 SQLite shards", state: coordinator.url.replace("weft://", "weft://weft:t0ken@"), cacheMb: 4 },
  {
    name: "Redis + Postgres shards",
    state: redis && postgres ? `${redis}?keyPrefix=${tag}:,${postgres}?schema=${tag}` : undefined,
    cacheMb: undefined,
  },
];

describe.each(setups)("runs on $name", ({ state, cacheMb }) => {
  it.runIf(state)("completes runs with steps, parallel steps, sleeps and waits across shards", { timeout: 30_000 }, async () => {
    const weft: TestWeft = await startTestWeft({ store: { db: `sqlite:${join(dir, `${tag}-${cacheMb ?? 0}.db`)}`, state: state!, cacheMb } });
    const client = new Weft({ id: "layers", baseUrl: weft.url });
    const fn = client.createFunction({ id: "flow" }, { event: "layers/go" }, async ({ step }) => {
      const a = await step.run("a", () => 1);
      const [b, c] = await Promise.all([step.run("b", () => 2), step.run("c", () => 3)]);
      await step.sleep("nap", "1s");
      const got = await step.waitForEvent("wait", { event: "layers/resume", match: "data.k", timeout: "10s" });
      return a + b + c + ((got?.data.k as number) ?? 0);
    });
    const app = await serveApp(weft, client, [fn]);
    try {
      const runs = [];
      for (let k = 1; k <= 6; k++) runs.push(await runOf(weft, "layers/go", { k }));
      for (const run of runs) {
        await waitFor(async () => ((await stepsOf(weft, run.run_id)).some((s) => s.op === "WaitForEvent") ? true : undefined), "the wait", 10_000);
      }
      for (let k = 1; k <= 6; k++) await sendEvents(weft, { name: "layers/resume", data: { k } });
      for (const [i, run] of runs.entries()) expect((await runWithStatus(weft, run.run_id, "Completed", 10_000)).output).toBe(6 + i + 1);
      if (cacheMb) {
        const { data } = await api<{ data: { hits: number; misses: number } }>(weft.url, "GET", "/v1/stats/cache");
        expect(data.hits + data.misses).toBeGreaterThan(0);
      }
    } finally {
      await app.close();
      await weft.close();
    }
  });
});
