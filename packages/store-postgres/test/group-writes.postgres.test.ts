// Why these cannot be shared conformance cases: they count the statements the queue sends to the
// server (a Postgres-only concern: SQLite's writes of a turn already share one commit, Redis's one
// socket write), which no contract exposes. The suite checks what the grouped writes answer.
import { ManualClock } from "@weft/store";
import type { QueueItem } from "@weft/store";
import { PostgresDatabase, PostgresHistoryStore, PostgresPauseStore, PostgresQueue, type SqlParams } from "@weft/store-postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, testSchema, withAdmin } from "@weft/testing";

const suite = "postgres queue group writes";
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
  });
}
