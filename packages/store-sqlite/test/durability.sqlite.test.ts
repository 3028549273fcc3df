// Why this cannot be a shared conformance case: it closes a database *file* and reopens it, and opens
// two connections on one file as two processes would. The suite hands each case fresh, isolated
// stores, and the memory store has no file to reopen or share.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateConflictError, isWeftError } from "@weft/core";
import { ManualClock, closeStores } from "@weft/store";
import type { NewRun, QueueItem, StoreBundle } from "@weft/store";
import { SqliteDatabase, createSqliteStores, migrations } from "@weft/store-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let dir: string;
let path: string;
let clock: ManualClock;
const open: StoreBundle[] = [];

// Two bundles here stand for two processes: each gets a connection of its own, which in one thread
// means no group commit (see SqliteDatabase).
function openStores(opts: { groupCommit?: boolean } = { groupCommit: false }): StoreBundle {
  const stores = createSqliteStores(path, { clock, ...opts });
  open.push(stores);
  return stores;
}

function run(runId: string, idempotencyKey = `fn:${runId}`): NewRun {
  const ts = clock.now();
  const events = [{ id: `evt-${runId}`, name: "app/go", data: { runId }, user: {}, ts }];
  return { runId, idempotencyKey, functionId: "app-fn", appId: "app", env: "dev", events, createdAt: ts, maxAttempts: 3 };
}

function item(id: string, tenant = "t"): QueueItem {
  return { id, kind: "discover", runId: "run-1", tenant, payload: { id }, availableAt: clock.now(), attempt: 0 };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "weft-sqlite-durability-"));
  path = join(dir, "nested", "weft.db"); // a missing directory is created
  clock = new ManualClock();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map(closeStores));
  rmSync(dir, { recursive: true, force: true });
});

describe("sqlite durability", () => {
  it("state written by one SqliteStores survives close and reopen of the file", async () => {
    const first = openStores();
    await first.state.createRun(run("run-1"));
    await first.state.saveStep("run-1", "a", '{"data":1}');
    await first.state.addPending("run-1", ["b", "c"]);
    await first.state.createRun(run("run-gone", "fn:gone"));
    await first.state.deleteRun("run-gone", 60_000);
    const pause = { id: "run-1:w", runId: "run-1", stepId: "w", kind: "wait" as const, env: "dev", eventName: "app/x", createdAt: 1, expiresAt: 2 };
    await first.pauses.savePause({ ...pause, matchKey: { path: "data.id", value: '"x1"' } });
    await first.queue.enqueue(item("done"));
    await first.queue.enqueue(item("held"));
    const leases = await first.queue.lease({ now: clock.now(), leaseMs: 60_000, limit: 2 });
    const done = leases.find((l) => l.item.id === "done");
    const held = leases.find((l) => l.item.id === "held");
    await first.queue.dequeue(done?.token ?? "");
    await first.history.recordRun({ runId: "run-1", functionId: "app-fn", eventId: "evt-run-1", status: "Running", startedAt: 1 });
    await first.registry.upsertApp({ id: "app", url: "http://127.0.0.1:3000/api/inngest" });
    const before = await first.state.loadRun("run-1");
    await closeStores(first);

    const second = openStores();
    expect(await second.state.loadRun("run-1")).toEqual(before);
    expect(before?.stack).toEqual(["a"]);
    expect(await second.state.createRun(run("run-again", "fn:gone"))).toEqual({ status: "tombstone" });
    const found = await second.pauses.findPauses("dev", { id: "e", name: "app/x", data: { id: "x1" }, user: {}, ts: 0 });
    expect(found.map((p) => p.id)).toEqual(["run-1:w"]);
    expect(await second.queue.size()).toBe(1);
    expect(await second.queue.enqueue(item("done"))).toBe(false);
    expect(await second.queue.lease({ now: clock.now(), leaseMs: 1_000, limit: 5 })).toEqual([]);
    expect(await second.queue.dequeue(held?.token ?? "")).toBe(true);
    expect(await second.history.getRun("run-1")).toMatchObject({ status: "Running" });
    expect(await second.registry.getApp("app")).toEqual({ id: "app", url: "http://127.0.0.1:3000/api/inngest" });
    await closeStores(second);

    // Reopening applied no migration twice.
    const db = SqliteDatabase.open(path).retain();
    expect(db.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version").map((r) => r.version)).toEqual(
      migrations.map((m) => m.version),
    );
    expect(db.get<{ journal_mode: string }>("PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
    db.release();
  });

  it("two SqliteStores on one file hand out one lease per item", async () => {
    const [a, b] = [openStores(), openStores()];
    for (let i = 0; i < 60; i++) {
      expect(await (i % 2 === 0 ? a : b).queue.enqueue(item(`job-${i}`, `t${i % 3}`))).toBe(true);
      expect(await (i % 2 === 0 ? b : a).queue.enqueue(item(`job-${i}`))).toBe(false);
    }
    const now = clock.now();
    const batches = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).queue.lease({ now, leaseMs: 1_000, limit: 3 })));
    const leased = batches.flat().map((l) => l.item.id);
    expect(leased).toHaveLength(60);
    expect(new Set(leased).size).toBe(60);

    // An expired lease taken over through the other connection fences the first holder out.
    const first = batches[0]?.[0];
    const [taken] = await b.queue.lease({ now: now + 1_000, leaseMs: 1_000, limit: 1 });
    expect(taken?.item.id).toBe(first?.item.id);
    expect(await a.queue.dequeue(first?.token ?? "")).toBe(false);
    expect(await a.queue.dequeue(taken?.token ?? "")).toBe(true);
    expect(await b.queue.enqueue(item(taken?.item.id ?? ""))).toBe(false);
  });

  it("two SqliteStores on one file agree on one run per key, one step value and one finalizer", async () => {
    const [a, b] = [openStores(), openStores()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).state.createRun(run(`run-${i}`, "fn:evt-1"))));
    const created = results.filter((r) => r.status === "created");
    expect(created).toHaveLength(1);
    const runId = created[0]?.status === "created" ? created[0].runId : "";
    expect(results.every((r) => r.status !== "tombstone" && r.runId === runId)).toBe(true);

    const saves = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).state.saveStep(runId, "s", `{"data":${i}}`)));
    expect(saves.filter((s) => s.status === "fulfilled")).toHaveLength(1);
    for (const s of saves) if (s.status === "rejected") expect(isWeftError(s.reason, StateConflictError)).toBe(true);

    const outcome = (i: number) => ({ status: "Completed" as const, output: String(i), endedAt: clock.now() + i });
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).state.finalize(runId, outcome(i))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await b.state.loadMetadata(runId))?.endedAt).toBe(outcome(claims.indexOf(true)).endedAt);
  });

  it("bundles on one file share the process's connection; each close drops its own hold once", async () => {
    // With group commit, every bundle of the process on the file shares one connection.
    const [a, b] = [openStores({}), openStores({})];
    await a.init();
    await b.init();
    await a.close();
    await a.close(); // a second close must not drop b's hold as well
    expect(await b.queue.enqueue(item("still-open"))).toBe(true);
    await b.close();
    await expect(b.queue.size()).rejects.toThrow();
  });
});
