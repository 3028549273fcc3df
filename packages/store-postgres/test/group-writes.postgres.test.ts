// Why these cannot be shared conformance cases: they count the statements the stores send to the
// server (a Postgres-only concern: SQLite's writes of a turn already share one commit, Redis's one
// socket write), which no contract exposes. The suite checks what the grouped writes answer.
import { InvalidInputError, RunNotFoundError, StateConflictError, isWeftError } from "@weft/core";
import { ManualClock } from "@weft/store";
import type { NewRun, QueueItem, StepEntry } from "@weft/store";
import {
  PostgresDatabase,
  PostgresHistoryStore,
  PostgresPauseStore,
  PostgresQueue,
  PostgresRunStateStore,
  type SqlExecutor,
  type SqlParams,
} from "@weft/store-postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, testSchema, withAdmin } from "@weft/testing";

const suite = "postgres group writes";
const prefix = "weft_group";
const used: string[] = [];
const open: PostgresDatabase[] = [];

/** A database on a fresh schema, and the statements it sends. */
async function countedDb(): Promise<{ db: PostgresDatabase; sent: string[] }> {
  const schema = testSchema(prefix);
  used.push(schema);
  const db = new PostgresDatabase(postgresUrl, { schema, poolSize: 4 });
  open.push(db);
  await db.ready();
  const sent: string[] = [];
  const query = db.query.bind(db);
  db.query = <T extends object>(sql: string, params?: SqlParams) => {
    sent.push(sql);
    return query<T>(sql, params);
  };
  const execute = db.execute.bind(db);
  db.execute = (sql: string, params?: SqlParams) => {
    sent.push(sql);
    return execute(sql, params);
  };
  return { db, sent };
}

async function countedQueue(clock: ManualClock): Promise<{ queue: PostgresQueue; sent: string[] }> {
  const { db, sent } = await countedDb();
  return { queue: new PostgresQueue(db, { clock }), sent };
}

function item(id: string, now: number, overrides: Partial<QueueItem> = {}): QueueItem {
  return { id, kind: "discover", runId: `run-${id}`, tenant: "t", payload: { id }, availableAt: now, attempt: 0, ...overrides };
}

function newRun(runId: string, now: number): NewRun {
  return { runId, idempotencyKey: `f:${runId}`, functionId: "f", appId: "app", env: "dev", events: [], createdAt: now, maxAttempts: 1 };
}

/** What a settled call answered, or the name of the error it threw. */
function outcome<T>(settled: PromiseSettledResult<T>): T | string {
  return settled.status === "fulfilled" ? settled.value : (settled.reason as Error).name;
}

if (await postgresReachable(suite)) {
  beforeAll(() => withAdmin((admin) => dropStaleSchemas(admin, prefix)));
  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });
  afterAll(() => withAdmin((admin) => dropSchemas(admin, used)));

  describe(suite, () => {
    it("enqueues made while one is being written go together in one statement, each answered as alone", async () => {
      const clock = new ManualClock();
      const { queue, sent } = await countedQueue(clock);
      const now = clock.now();
      const heard: number[] = [];
      queue.subscribe((at) => heard.push(at));
      // 60 concurrent enqueues, one id twice: the first goes alone, the rest wait for it and go together.
      const ids = Array.from({ length: 60 }, (_, i) => `job-${i}`);
      const answers = await Promise.all([...ids.map((id) => queue.enqueue(item(id, now))), queue.enqueue(item("job-7", now))]);
      expect(answers).toEqual([...ids.map(() => true), false]);
      expect(heard).toHaveLength(60);
      const inserts = sent.filter((sql) => sql.includes("INSERT INTO") && sql.includes("queue_items"));
      expect(inserts.length).toBeLessThanOrEqual(3);
      expect(await queue.size()).toBe(60);
      // A group given at once, beside single calls: still one statement for what waited.
      sent.length = 0;
      const more = await Promise.all([queue.enqueue(item("solo", now)), queue.enqueueMany(ids.map((id) => item(`${id}-b`, now)))]);
      expect(more).toEqual([true, ids.map(() => true)]);
      expect(sent.filter((sql) => sql.includes("queue_items")).length).toBeLessThanOrEqual(2);
    });

    it("dequeues made while one is being written go together in one statement; a stale or repeated token answers false", async () => {
      const clock = new ManualClock();
      const { queue, sent } = await countedQueue(clock);
      const now = clock.now();
      await queue.enqueueMany(Array.from({ length: 40 }, (_, i) => item(`job-${i}`, now)));
      const leases = await queue.lease({ now, leaseMs: 30_000, limit: 40 });
      expect(leases).toHaveLength(40);
      sent.length = 0;
      const tokens = leases.map((l) => l.token);
      const answers = await Promise.all([...tokens.map((t) => queue.dequeue(t)), queue.dequeue(tokens[3] as string), queue.dequeue("0-0-00000000:job-1")]);
      expect(answers).toEqual([...tokens.map(() => true), false, false]);
      expect(sent.filter((sql) => sql.includes("DELETE FROM")).length).toBeLessThanOrEqual(3);
      expect(await queue.size()).toBe(0);
      // Their ids are refused for the dedupe window, as after one-by-one dequeues.
      expect(await queue.enqueueMany(leases.map((l) => l.item))).toEqual(leases.map(() => false));
    });

    it("runs dropped, pauses deleted and events saved at once go together, each as alone", async () => {
      const clock = new ManualClock();
      const { db, sent } = await countedDb();
      const queue = new PostgresQueue(db, { clock });
      const pauses = new PostgresPauseStore(db);
      const history = new PostgresHistoryStore(db);
      const now = clock.now();
      const runs = Array.from({ length: 30 }, (_, i) => `run-${i}`);
      await queue.enqueueMany(runs.flatMap((runId) => [item(`${runId}-a`, now, { runId }), item(`${runId}-b`, now + 60_000, { runId })]));
      await queue.enqueue(item("kept", now, { runId: "run-kept" }));
      await Promise.all(
        runs.map((runId) =>
          pauses.savePause({ id: `${runId}:w`, runId, stepId: "w", kind: "wait", env: "dev", eventName: "e", createdAt: now, expiresAt: now + 60_000 }),
        ),
      );
      sent.length = 0;
      await Promise.all([...runs.map((runId) => queue.dropRun(runId)), ...runs.map((runId) => pauses.deletePause(`${runId}:w`))]);
      expect(sent.filter((sql) => sql.includes("DELETE FROM") && sql.includes("queue_items")).length).toBeLessThanOrEqual(3);
      expect(sent.filter((sql) => sql.includes("DELETE FROM") && sql.includes("pauses")).length).toBeLessThanOrEqual(3);
      expect(await queue.size()).toBe(1);
      expect(await pauses.countPauses()).toBe(0);
      // Dropped ids are refused for the dedupe window; the kept run's item is not.
      expect(await queue.enqueueMany([item("run-3-a", now, { runId: "run-3" }), item("kept", now, { runId: "run-kept" })])).toEqual([false, false]);
      sent.length = 0;
      const stored = (id: string, name: string) => ({ internalId: id, event: { id, name, data: { id }, user: {}, ts: now }, receivedAt: now });
      await Promise.all([
        ...runs.map((runId) => history.saveEvents([stored(`${runId}-finished`, "inngest/function.finished")])),
        history.saveEvents([stored("run-0-finished", "other"), stored("x", "x")]),
      ]);
      expect(sent.filter((sql) => sql.includes("history_events")).length).toBeLessThanOrEqual(3);
      expect((await history.getEvent("run-0-finished"))?.event.name).toBe("inngest/function.finished"); // the first stands
      expect((await history.getEvent("x"))?.event.name).toBe("x");
      expect(await history.listEvents({ limit: 100 })).toHaveLength(31);
    });

    it("timeline lines recorded at once go together in one statement, and end as one-by-one calls leave them", async () => {
      const clock = new ManualClock();
      const now = clock.now();
      const alone = new PostgresHistoryStore((await countedDb()).db);
      const { db, sent } = await countedDb();
      const grouped = new PostgresHistoryStore(db);
      const runs = Array.from({ length: 10 }, (_, i) => `run-${i}`);
      const line = (runId: string, stepId: string, extra: Partial<StepEntry> = {}): StepEntry => ({
        runId,
        stepId,
        attempt: 0,
        name: stepId,
        op: "StepRun",
        status: "Completed",
        startedAt: now,
        endedAt: now + 4,
        output: `"${stepId}"`,
        ...extra,
      });
      const lines: StepEntry[] = [
        ...Array.from({ length: 40 }, (_, i) => line(runs[i % 10] as string, `s-${i}`, { endedAt: now + i })),
        // One key twice: the later line's values at the first one's place; the first one's insert counts (20 ms).
        line("run-1", "s-1", { output: '"again"', endedAt: now + 500, status: "Failed" }),
        // A line opened and closed in one group: the insert had no end, so it counts nothing, as one by one.
        line("run-2", "w", { op: "Sleep", status: "Running", endedAt: undefined, output: undefined }),
        line("run-2", "w", { op: "Sleep", status: "Completed" }),
        line("run-3", "open", { status: "Running", endedAt: undefined, output: undefined }),
        line("run-3", "open", { endedAt: now + 300 }),
        line("run-3", "s-3", { attempt: 1, endedAt: now + 2 }),
        // A line of a run history has not recorded: stored, not counted.
        line("run-x", "s-x"),
      ];
      for (const store of [alone, grouped]) {
        for (const runId of [...runs, "run-z"]) await store.recordRun({ runId, functionId: "f", eventId: "e", status: "Running", startedAt: now });
      }
      for (const entry of lines) await alone.recordStep(entry);
      sent.length = 0;
      await Promise.all(lines.map((entry) => grouped.recordStep(entry)));
      expect(sent.filter((sql) => sql.includes("history_steps")).length).toBeLessThanOrEqual(3);
      for (const runId of [...runs, "run-x"]) expect(await grouped.listSteps(runId)).toEqual(await alone.listSteps(runId));
      expect((await grouped.listSteps("run-1")).find((s) => s.stepId === "s-1")).toMatchObject({ output: '"again"', status: "Failed", endedAt: now + 500 });
      const metrics = { widthMs: 60_000, from: now - 60_000, to: now + 60_000 } as const;
      expect(await grouped.runMetrics(metrics)).toEqual(await alone.runMetrics(metrics));
      const counted = (await grouped.runMetrics(metrics)).reduce((n, b) => n + b.stepDurations.reduce((a, c) => a + c, 0), 0);
      expect(counted).toBe(41); // the 40 lines and run-3's second attempt; lines first recorded open count nothing

      // A line the server refuses (text cannot hold NUL) fails alone; the rest of its group is stored.
      sent.length = 0;
      const mixed = [line("run-z", "a"), line("run-z", "bad", { output: '"\u0000"' }), line("run-z", "b"), line("run-z", "c")];
      const answers = await Promise.allSettled(mixed.map((entry) => grouped.recordStep(entry)));
      expect(answers.map(outcome)).toEqual([undefined, "InvalidInputError", undefined, undefined]);
      expect(isWeftError((answers[1] as PromiseRejectedResult).reason, InvalidInputError)).toBe(true);
      expect((await grouped.listSteps("run-z")).map((s) => s.stepId)).toEqual(["a", "b", "c"]);
    });

    it("step saves made at once go together in one statement, each answered as alone", async () => {
      const clock = new ManualClock();
      const { db, sent } = await countedDb();
      const state = new PostgresRunStateStore(db, { clock });
      const runs = Array.from({ length: 12 }, (_, i) => `run-${i}`);
      for (const runId of runs) {
        expect((await state.createRun(newRun(runId, clock.now()))).status).toBe("created");
      }
      await state.addPending("run-3", ["p1", "p2"]);
      await state.saveStep("run-4", "a", "1");
      sent.length = 0;
      const saves: [string, string, string][] = [
        ["run-0", "a", "x"],
        ["run-0", "b", "y"], // a second save of one run in the group: after the first, as made
        ["run-3", "p1", "x"], // one of two pending steps
        ["run-4", "a", "1"], // the same bytes again: idempotent
        ["run-4", "a", "2"], // other bytes: the first stands
        ["run-missing", "a", "x"],
        ["run-5", "a", "x"],
        ["run-5", "a", "z"], // conflicts with the save just before it in the same group
        ...runs.slice(6).map((runId): [string, string, string] => [runId, "a", runId]),
        ["run-0", "c", "w"],
      ];
      const answers = (await Promise.allSettled(saves.map(([runId, stepId, output]) => state.saveStep(runId, stepId, output)))).map(outcome);
      expect(answers).toEqual([
        { status: "saved", pendingRemaining: 0, stackLength: 1 },
        { status: "saved", pendingRemaining: 0, stackLength: 2 },
        { status: "saved", pendingRemaining: 1, stackLength: 1 },
        { status: "idempotent", pendingRemaining: 0, stackLength: 1 },
        "StateConflictError",
        "RunNotFoundError",
        { status: "saved", pendingRemaining: 0, stackLength: 1 },
        "StateConflictError",
        ...runs.slice(6).map(() => ({ status: "saved", pendingRemaining: 0, stackLength: 1 })),
        { status: "saved", pendingRemaining: 0, stackLength: 3 },
      ]);
      expect(sent.filter((sql) => sql.includes("save_step")).length).toBeLessThanOrEqual(2);
      const run0 = await state.loadRun("run-0");
      expect(run0?.stack).toEqual(["a", "b", "c"]);
      expect([...(run0?.steps ?? [])]).toEqual([
        ["a", "x"],
        ["b", "y"],
        ["c", "w"],
      ]);
      expect((await state.loadRun("run-3"))?.pending).toEqual(new Set(["p2"]));
      expect((await state.loadRun("run-4"))?.steps.get("a")).toBe("1");
      expect((await state.loadRun("run-5"))?.steps.get("a")).toBe("x");

      // A save the server refuses (text cannot hold NUL) fails alone; the rest of its group is answered and saved.
      const mixed = await Promise.allSettled([
        state.saveStep("run-6", "b", "ok"),
        state.saveStep("run-7", "b", "\u0000"),
        state.saveStep("run-8", "b", "ok"),
        state.saveStep("run-9", "a", "other"),
        state.saveStep("run-missing", "b", "ok"),
      ]);
      expect(mixed.map(outcome)).toEqual([
        { status: "saved", pendingRemaining: 0, stackLength: 2 },
        "InvalidInputError",
        { status: "saved", pendingRemaining: 0, stackLength: 2 },
        "StateConflictError",
        "RunNotFoundError",
      ]);
      const reason = (i: number): unknown => (mixed[i] as PromiseRejectedResult).reason;
      expect([isWeftError(reason(1), InvalidInputError), isWeftError(reason(3), StateConflictError), isWeftError(reason(4), RunNotFoundError)]).toEqual([
        true,
        true,
        true,
      ]);
      expect((await state.loadRun("run-7"))?.stack).toEqual(["a"]);
      expect((await state.loadRun("run-8"))?.stack).toEqual(["a", "b"]);
    });

    it("run metadata read at once goes in one statement, each read answered as alone", async () => {
      const clock = new ManualClock();
      const { db, sent } = await countedDb();
      const state = new PostgresRunStateStore(db, { clock });
      const runs = Array.from({ length: 30 }, (_, i) => `run-${i}`);
      for (const runId of runs) {
        await state.createRun(newRun(runId, clock.now()));
      }
      await state.updateRun("run-1", { version: 2, forceStepPlan: true });
      await state.finalize("run-2", { status: "Completed", output: "1", endedAt: clock.now() });
      const asked = [...runs, "run-missing", "run-1"];
      const alone = [];
      for (const runId of asked) alone.push(await state.loadMetadata(runId));
      expect(alone[1]).toMatchObject({ version: 2, forceStepPlan: true });
      expect(alone[2]).toMatchObject({ status: "Completed" });
      expect(alone[30]).toBeUndefined();
      sent.length = 0;
      expect(await Promise.all(asked.map((runId) => state.loadMetadata(runId)))).toEqual(alone);
      expect(sent.filter((sql) => sql.includes(".runs")).length).toBeLessThanOrEqual(2);
    });

    it("run deletions made at once go together in one transaction, each with its own tombstone, as alone", async () => {
      const clock = new ManualClock();
      const { db } = await countedDb();
      const state = new PostgresRunStateStore(db, { clock });
      let transactions = 0;
      const transaction = db.transaction.bind(db);
      db.transaction = <T>(fn: (tx: SqlExecutor) => Promise<T>) => {
        transactions += 1;
        return transaction(fn);
      };
      const runs = Array.from({ length: 40 }, (_, i) => `run-${String(i).padStart(2, "0")}`);
      for (const runId of runs) {
        await state.createRun(newRun(runId, clock.now()));
        await state.saveStep(runId, "a", '"1"');
        await state.addPending(runId, ["b"]);
      }
      transactions = 0;
      // The first 20 leave no tombstone (retention's calls), the rest one for a minute; run-05 is
      // asked twice (the first call decides) and run-missing does not exist.
      const asked = [
        ...runs.map((runId, i) => state.deleteRun(runId, i < 20 ? 0 : 60_000)),
        state.deleteRun("run-05", 60_000),
        state.deleteRun("run-missing", 0),
      ];
      await Promise.all(asked);
      expect(transactions).toBeLessThanOrEqual(3);
      for (const runId of runs) expect(await state.loadRun(runId)).toBeUndefined();
      const [left] = await db.query<{ steps: number; pending: number }>(
        `SELECT (SELECT count(*) FROM ${db.table("steps")})::int AS steps, (SELECT count(*) FROM ${db.table("pending_steps")})::int AS pending`,
      );
      expect(left).toEqual({ steps: 0, pending: 0 });
      // Without a tombstone the key is free at once; with one it is refused until the tombstone ends.
      const again = await Promise.all(runs.map((runId) => state.createRun({ ...newRun(`${runId}-again`, clock.now()), idempotencyKey: `f:${runId}` })));
      expect(again.map((r) => r.status)).toEqual(runs.map((_, i) => (i < 20 ? "created" : "tombstone")));
      clock.advance(60_001);
      expect((await state.createRun({ ...newRun("run-30-later", clock.now()), idempotencyKey: "f:run-30" })).status).toBe("created");
    });
  });
}
