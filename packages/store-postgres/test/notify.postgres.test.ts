// Why these cannot be shared conformance cases: they need two independent bundles on one database
// (two pools, standing in for two engine processes) and look at the server's own view of its
// connections (pg_stat_activity). The suite's stores are single, isolated instances, and the
// memory queue's subscribe is process-local by contract.
import { closeStores } from "@weft/store";
import type { QueueItem, StoreBundle } from "@weft/store";
import { PostgresQueue, createPostgresStores } from "@weft/store-postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin, withParam } from "@weft/testing";

const suite = "postgres notify and pool";
const prefix = "weft_notify";
const used: string[] = [];
const open: StoreBundle[] = [];

function schema(): string {
  const name = testSchema(prefix);
  used.push(name);
  return name;
}

async function openStores(url: string, opts: { schema: string; poolSize?: number }): Promise<StoreBundle> {
  const stores = createPostgresStores(url, opts);
  open.push(stores);
  await stores.init();
  return stores;
}

function item(id: string, availableAt: number, overrides: Partial<QueueItem> = {}): QueueItem {
  return { id, kind: "discover", runId: "run-1", tenant: "t", payload: { id }, availableAt, attempt: 0, ...overrides };
}

function postgresQueue(stores: StoreBundle): PostgresQueue {
  if (!(stores.queue instanceof PostgresQueue)) throw new Error("expected a PostgresQueue");
  return stores.queue;
}

/** The next `count` values a subscriber hears, or a rejection after `ms`. */
function hear(queue: PostgresQueue, count: number, ms = 5_000): { heard: number[]; done: Promise<number[]>; stop: () => void } {
  const heard: number[] = [];
  let resolve: (values: number[]) => void = () => {};
  const done = new Promise<number[]>((res, reject) => {
    resolve = res;
    setTimeout(() => reject(new Error(`heard only ${JSON.stringify(heard)} after ${ms} ms`)), ms).unref();
  });
  const stop = queue.subscribe((at) => {
    heard.push(at);
    if (heard.length === count) resolve([...heard]);
  });
  return { heard, done, stop };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll (running `refresh` before each check) until `predicate` holds, or fail after `ms`. */
async function waitFor(what: string, predicate: () => boolean, ms = 5_000, refresh?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    await refresh?.();
    if (predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

if (await postgresReachable(suite)) {
  beforeAll(() => withAdmin((admin) => dropStaleSchemas(admin, prefix)));
  afterEach(async () => {
    await Promise.all(open.splice(0).map(closeStores));
  });
  afterAll(() => withAdmin((admin) => dropSchemas(admin, used)));

  describe(suite, () => {
    it("an enqueue or requeue through one bundle wakes a subscriber on another (two pools, as two processes)", async () => {
      const name = schema();
      const [a, b] = [await openStores(postgresUrl, { schema: name }), await openStores(postgresUrl, { schema: name })];
      const listener = hear(postgresQueue(b), 2);
      await postgresQueue(b).whenListening();

      const now = Date.now();
      expect(await a.queue.enqueue(item("job-1", now + 1_234))).toBe(true);
      expect(await a.queue.enqueue(item("job-1", now + 9_999))).toBe(false); // refused: no wakeup
      const [held] = await a.queue.lease({ now: now + 2_000, leaseMs: 1_000, limit: 1 });
      expect(await a.queue.requeue(held?.token ?? "", { availableAt: now + 5_678, attempt: 1 })).toBe(true);
      expect(await listener.done).toEqual([now + 1_234, now + 5_678]);
      listener.stop();
    });

    it("a subscriber hears its own instance's enqueue once, not again through the LISTEN echo", async () => {
      const stores = await openStores(postgresUrl, { schema: schema() });
      const queue = postgresQueue(stores);
      const listener = hear(queue, 1);
      await queue.whenListening();
      await queue.enqueue(item("own", 42));
      expect(listener.heard).toEqual([42]); // heard synchronously, before the NOTIFY round trip
      await sleep(300);
      expect(listener.heard).toEqual([42]);
      listener.stop();
    });

    it("the LISTEN connection comes back after the server drops it, with a wakeup for the gap", async () => {
      const appName = `weft_listen_${process.pid}`;
      const name = schema();
      const a = await openStores(postgresUrl, { schema: name });
      const b = await openStores(withParam(postgresUrl, "application_name", appName), { schema: name });
      const queue = postgresQueue(b);
      const heard: number[] = [];
      const stop = queue.subscribe((at) => heard.push(at));
      await queue.whenListening();

      const dropped = await withAdmin((admin) =>
        admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN %'", [appName]),
      );
      expect(dropped.rowCount).toBe(1);
      const droppedAt = Date.now();
      // Notifications sent while it was away are lost, so reconnecting wakes subscribers ("check now").
      await waitFor("the reconnect wakeup", () => heard.length > 0);
      expect(heard[0]).toBeGreaterThanOrEqual(droppedAt);
      await queue.whenListening();
      await a.queue.enqueue(item("after-reconnect", 777));
      await waitFor("the notification after reconnecting", () => heard.includes(777));
      stop();
    });

    it("the pool never exceeds its size under 50 concurrent operations", async () => {
      const poolSize = 3;
      const appName = `weft_pool_${process.pid}`;
      const stores = await openStores(withParam(postgresUrl, "application_name", appName), { schema: schema(), poolSize });
      const monitor = await withAdmin(async (admin) => {
        let max = 0;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [appName]);
            max = Math.max(max, rows[0]?.n ?? 0);
          }
        })();
        const now = Date.now();
        const ops = Array.from({ length: 50 }, async (_, i): Promise<unknown> => {
          switch (i % 5) {
            case 0:
              return stores.queue.enqueue(item(`job-${i}`, now, { tenant: `t${i % 3}` }));
            case 1:
              return stores.queue.lease({ now, leaseMs: 30_000, limit: 2 });
            case 2: {
              const runId = `run-${i}`;
              const events = [{ id: `evt-${i}`, name: "app/go", data: {}, user: {}, ts: now }];
              const run = { runId, idempotencyKey: `fn:${runId}`, functionId: "fn", appId: "app", env: "dev", events, createdAt: now, maxAttempts: 1 };
              await stores.state.createRun(run);
              return stores.state.saveStep(runId, "s", '{"data":1}');
            }
            case 3:
              return stores.pauses.findPauses("dev", { id: `e-${i}`, name: "app/x", data: { id: i }, user: {}, ts: now });
            default:
              await stores.history.recordRun({ runId: `run-${i}`, functionId: "fn", eventId: `evt-${i}`, status: "Running", startedAt: now });
              return stores.history.listRuns({ functionId: "fn", limit: 5 });
          }
        });
        const results = await Promise.allSettled(ops);
        sampling = false;
        await sampler;
        return { max, failed: results.filter((r) => r.status === "rejected") };
      });
      expect(monitor.failed).toEqual([]);
      // Saturated (so the bound was tested) and never exceeded.
      expect(monitor.max).toBe(poolSize);

      // Closing the four stores ends the one pool. The server's backends exit just after their
      // sockets close, so wait for them to leave pg_stat_activity rather than read it once.
      await closeStores(stores);
      await withAdmin(async (admin) => {
        let left = -1;
        await waitFor(
          "the pool's connections to close",
          () => left === 0,
          5_000,
          async () => {
            const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [appName]);
            left = rows[0]?.n ?? -1;
          },
        );
      });
    });
  });
} else {
  skipUnreachable(suite);
}
