// `openStores` composes bundles: the `--db` bundle's registry and history with the `--state`
// bundle's run state, and one lifecycle over both. Two SQLite files show where each write lands.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStores } from "./stores-from-url.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function files(): { db: string; state: string } {
  const dir = mkdtempSync(join(tmpdir(), "weft-open-stores-"));
  dirs.push(dir);
  return { db: `sqlite:${join(dir, "db.sqlite")}`, state: `sqlite:${join(dir, "state.sqlite")}` };
}

const run = {
  runId: "r1",
  idempotencyKey: "app-fn:e1",
  functionId: "app-fn",
  appId: "app",
  env: "dev",
  events: [{ id: "e1", name: "app/x", data: {}, user: {}, ts: 1 }],
  createdAt: 1,
  maxAttempts: 1,
};

describe("openStores", () => {
  it("with --state: the registry and history from --db, run state from --state; close closes both", async () => {
    const { db, state } = files();
    const stores = await openStores({ db, state, cacheMb: 1 });
    await stores.registry.upsertApp({ id: "app", url: "http://127.0.0.1:1/api/inngest" });
    await stores.history.recordRun({ runId: "r1", functionId: "app-fn", eventId: "e1", status: "Running", startedAt: 1 });
    expect(await stores.state.createRun(run)).toEqual({ status: "created", runId: "r1" });
    expect(stores.cacheStats?.()).toMatchObject({ entries: 1 });
    await stores.close();
    await stores.close(); // a second close is a no-op

    const dbOnly = await openStores({ db });
    const stateOnly = await openStores({ db: state });
    try {
      expect(await dbOnly.registry.getApp("app")).toMatchObject({ id: "app" });
      expect(await dbOnly.history.getRun("r1")).toMatchObject({ status: "Running" });
      expect(await dbOnly.state.loadMetadata("r1")).toBeUndefined();
      expect(await stateOnly.state.loadMetadata("r1")).toMatchObject({ runId: "r1" });
      expect(await stateOnly.registry.getApp("app")).toBeUndefined();
    } finally {
      await dbOnly.close();
      await stateOnly.close();
    }
  });
});
