// Why these cannot be shared conformance cases: they race two independent bundles (two pools, as
// two engine processes) on one schema, and check rows the contracts do not expose (no orphaned
// steps, a dense stack). The suite hands each case one bundle, and the memory store has no second
// process to race.
import { RunNotFoundError, StateConflictError, isWeftError } from "@weft/core";
import { ManualClock, closeStores } from "@weft/store";
import type { FunctionRecord, NewRun, QueueItem, StoreBundle } from "@weft/store";
import { createPostgresStores } from "@weft/store-postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin } from "@weft/testing";

const suite = "postgres concurrency across pools";
const prefix = "weft_race";
const used: string[] = [];
const open: StoreBundle[] = [];
let clock: ManualClock;
let schema: string;

/** Two bundles on one fresh schema, each with its own pool. */
async function twoProcesses(): Promise<[StoreBundle, StoreBundle]> {
  const bundles: [StoreBundle, StoreBundle] = [
    createPostgresStores(postgresUrl, { clock, schema, poolSize: 5 }),
    createPostgresStores(postgresUrl, { clock, schema, poolSize: 5 }),
  ];
  open.push(...bundles);
  await Promise.all(bundles.map((b) => b.init()));
  return bundles;
}

function run(runId: string, idempotencyKey = `fn:${runId}`): NewRun {
  const ts = clock.now();
  const events = [{ id: `evt-${runId}`, name: "app/go", data: { runId }, user: {}, ts }];
  return { runId, idempotencyKey, functionId: "app-fn", appId: "app", env: "dev", events, createdAt: ts, maxAttempts: 3 };
}

function item(id: string, overrides: Partial<QueueItem> = {}): QueueItem {
  return { id, kind: "discover", runId: "run-1", tenant: "t", payload: { id }, availableAt: clock.now(), attempt: 0, ...overrides };
}

/** Alternate calls between the two bundles. */
const either = <T>(pair: [StoreBundle, StoreBundle], i: number, fn: (s: StoreBundle) => Promise<T>): Promise<T> => fn(pair[i % 2] as StoreBundle);

async function count(sql: string, params: unknown[]): Promise<number> {
  return withAdmin(async (admin) => (await admin.query<{ n: number }>(sql, params)).rows[0]?.n ?? -1);
}

if (await postgresReachable(suite)) {
  beforeAll(() => withAdmin((admin) => dropStaleSchemas(admin, prefix)));
  afterEach(async () => {
    await Promise.all(open.splice(0).map(closeStores));
  });
  afterAll(() => withAdmin((admin) => dropSchemas(admin, used)));

  describe(suite, () => {
    // Each case: a fresh clock and its own schema, migrated by the first bundle's init.
    beforeEach(() => {
      clock = new ManualClock();
      schema = testSchema(prefix);
      used.push(schema);
    });

    it("one run per key, one value per step, one finalizer, across pools", async () => {
      const pair = await twoProcesses();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => either(pair, i, (s) => s.state.createRun(run(`run-${i}`, "fn:evt")))));
      const created = results.filter((r) => r.status === "created");
      expect(created).toHaveLength(1);
      const runId = created[0]?.status === "created" ? created[0].runId : "";
      expect(results.every((r) => r.status !== "tombstone" && r.runId === runId)).toBe(true);

      const saves = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => either(pair, i, (s) => s.state.saveStep(runId, "same", `{"data":${i}}`))));
      expect(saves.filter((s) => s.status === "fulfilled")).toHaveLength(1);
      for (const s of saves) if (s.status === "rejected") expect(isWeftError(s.reason, StateConflictError)).toBe(true);

      const outcome = (i: number) => ({ status: "Completed" as const, output: String(i), endedAt: clock.now() + i });
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => either(pair, i, (s) => s.state.finalize(runId, outcome(i)))));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await pair[1].state.loadMetadata(runId))?.endedAt).toBe(outcome(claims.indexOf(true)).endedAt);
    });

    it("concurrent saves of different steps build a dense stack in commit order", async () => {
      const pair = await twoProcesses();
      await pair[0].state.createRun(run("r"));
      const ids = Array.from({ length: 40 }, (_, i) => `s${i}`);
      await pair[1].state.addPending("r", ids);
      const results = await Promise.all(ids.map((id, i) => either(pair, i, (s) => s.state.saveStep("r", id, `"${id}"`))));
      // Each save saw a distinct stack length, and exactly one saw the pending set empty.
      expect(results.map((r) => r.stackLength).sort((a, b) => a - b)).toEqual(ids.map((_, i) => i + 1));
      expect(results.filter((r) => r.pendingRemaining === 0)).toHaveLength(1);
      const byLength = [...results].sort((a, b) => a.stackLength - b.stackLength);
      expect(byLength.map((r) => r.pendingRemaining)).toEqual(ids.map((_, i) => ids.length - 1 - i));
      const state = await pair[0].state.loadRun("r");
      expect(state?.stack).toHaveLength(40);
      expect(new Set(state?.stack).size).toBe(40);
      expect(state?.pending.size).toBe(0);
    });

    it("addPending racing saveStep never leaves a saved step pending", async () => {
      const pair = await twoProcesses();
      await pair[0].state.createRun(run("r"));
      const ids = Array.from({ length: 30 }, (_, i) => `p${i}`);
      await Promise.all(
        ids.flatMap((id, i) => [either(pair, i, (s) => s.state.addPending("r", [id])), either(pair, i + 1, (s) => s.state.saveStep("r", id, "null"))]),
      );
      const state = await pair[1].state.loadRun("r");
      expect(state?.stack.sort()).toEqual([...ids].sort());
      expect([...(state?.pending ?? [])]).toEqual([]);
    });

    it("deleteRun racing saves leaves no orphaned steps, and later saves find no run", async () => {
      const pair = await twoProcesses();
      await pair[0].state.createRun(run("doomed"));
      const saves = Array.from({ length: 20 }, (_, i) => either(pair, i, (s) => s.state.saveStep("doomed", `s${i}`, "1")));
      const deleted = pair[1].state.deleteRun("doomed", 60_000);
      const results = await Promise.allSettled([...saves, deleted]);
      for (const r of results) if (r.status === "rejected") expect(isWeftError(r.reason, RunNotFoundError)).toBe(true);
      expect(await count(`SELECT count(*)::int AS n FROM "${schema}".steps WHERE run_id = $1`, ["doomed"])).toBe(0);
      await expect(pair[0].state.saveStep("doomed", "late", "1")).rejects.toSatisfy((e) => isWeftError(e, RunNotFoundError));
      expect(await pair[0].state.createRun(run("again", "fn:doomed"))).toEqual({ status: "tombstone" });
    });

    it("leasers on two pools hand out each item once; a taken-over lease fences the first holder", async () => {
      const pair = await twoProcesses();
      for (let i = 0; i < 120; i++) await either(pair, i, (s) => s.queue.enqueue(item(`job-${i}`, { tenant: `t${i % 4}` })));
      const now = clock.now();
      const batches = await Promise.all(Array.from({ length: 16 }, (_, i) => either(pair, i, (s) => s.queue.lease({ now, leaseMs: 1_000, limit: 10 }))));
      const leased = batches.flat().map((l) => l.item.id);
      expect(leased).toHaveLength(120);
      expect(new Set(leased).size).toBe(120);

      const [taken] = await pair[1].queue.lease({ now: now + 1_000, leaseMs: 1_000, limit: 1 });
      expect(taken).toBeDefined();
      const lost = batches.flat().find((l) => l.item.id === taken?.item.id);
      expect(await pair[0].queue.extend(lost?.token ?? "", now + 1_000, 5_000)).toBe(false);
      expect(await pair[0].queue.dequeue(lost?.token ?? "")).toBe(false);
      expect(await pair[0].queue.dequeue(taken?.token ?? "")).toBe(true);
    });

    it("two syncs of one app at once leave one of the two function lists, never a mix", async () => {
      const pair = await twoProcesses();
      const fn = (name: string): FunctionRecord => ({
        id: `app-${name}`,
        appId: "app",
        name,
        config: {
          id: `app-${name}`,
          triggers: [{ event: "app/go" }],
          steps: { step: { id: "step", name: "step", runtime: { type: "http", url: "http://127.0.0.1/api" } } },
        },
      });
      const lists = [["a", "b"], ["c", "d"], ["a", "e"], ["f"]].map((names) => names.map(fn));
      for (let round = 0; round < 10; round++) {
        await Promise.all(lists.map((list, i) => either(pair, i, (s) => s.registry.replaceFunctions("app", list))));
        const ids = (await pair[0].registry.listFunctions()).map((f) => f.id);
        expect(lists.map((list) => list.map((f) => f.id).sort())).toContainEqual(ids);
      }
    });

    it("an id racing its own dequeue is refused in every interleaving", async () => {
      const pair = await twoProcesses();
      for (let i = 0; i < 25; i++) {
        const id = `dup-${i}`;
        await pair[0].queue.enqueue(item(id));
        const [held] = await pair[0].queue.lease({ now: clock.now(), leaseMs: 10_000, limit: 1 });
        expect(held?.item.id).toBe(id);
        const [dequeued, ...again] = await Promise.all([
          pair[0].queue.dequeue(held?.token ?? ""),
          pair[1].queue.enqueue(item(id)),
          pair[0].queue.enqueue(item(id)),
        ]);
        expect(dequeued).toBe(true);
        expect(again).toEqual([false, false]);
      }
      expect(await pair[1].queue.size()).toBe(0);
    });
  });
} else {
  skipUnreachable(suite);
}
