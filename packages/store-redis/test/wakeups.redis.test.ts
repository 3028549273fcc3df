// Why these cannot be shared conformance cases: they need two store bundles on one Redis, as two
// engine processes on two machines would have. The suite hands each case one isolated bundle, and the
// memory queue has no other process to hear from or contend with. The lifecycle case looks at the
// server's view of the bundle's connections, beneath the contracts.
import { StateConflictError, StoreUnavailableError, isWeftError } from "@weft/core";
import { ManualClock } from "@weft/store";
import type { NewRun, QueueItem, StateBundle } from "@weft/store";
import { KeyLayout, createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, redisReachable, testRedisUrl, uniquePrefix } from "@weft/testing";
import { expectCrossProcessWakeups } from "./wakeup-check.js";

const suite = "redis wakeups and contention";

if (await redisReachable(suite)) {
  const admin = new Redis(testRedisUrl);
  const opened: StateBundle[] = [];
  const prefixes: string[] = [];
  let clock = new ManualClock();

  /** Two bundles on one prefix: two processes sharing one Redis. */
  function pair(): [StateBundle, StateBundle] {
    const keyPrefix = uniquePrefix("wakeups");
    prefixes.push(keyPrefix);
    const [a, b] = [createRedisStores(testRedisUrl, { clock, keyPrefix }), createRedisStores(testRedisUrl, { clock, keyPrefix })];
    opened.push(a, b);
    return [a, b];
  }

  function item(id: string, availableAt: number, tenant = "t"): QueueItem {
    return { id, kind: "discover", runId: "run-1", tenant, payload: { id }, availableAt, attempt: 0 };
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const prefix of prefixes.splice(0)) await deleteKeysWithPrefix(admin, prefix);
    clock = new ManualClock();
  });
  afterAll(() => admin.quit());

  /** How many connections are subscribed to `channel`, polled until `expected` or `ms` have passed. */
  async function subscribersReach(channel: string, expected: number, ms = 1_000): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const [, count] = (await admin.pubsub("NUMSUB", channel)) as [string, number];
      if (count === expected || Date.now() > deadline) return count;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  describe(suite, () => {
    it("an enqueue or requeue in one process wakes another process's listener", async () => {
      const [a, b] = pair();
      await expectCrossProcessWakeups(a.queue, b.queue, clock.now());
    });

    it("two processes hand out one lease per item, create one run per key and save one value per step", async () => {
      const [a, b] = pair();
      const now = clock.now();
      for (let i = 0; i < 40; i++) {
        expect(await (i % 2 === 0 ? a : b).queue.enqueue(item(`job-${i}`, now, `t${i % 3}`))).toBe(true);
        expect(await (i % 2 === 0 ? b : a).queue.enqueue(item(`job-${i}`, now))).toBe(false);
      }
      const batches = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).queue.lease({ now, leaseMs: 1_000, limit: 3 })));
      const leased = batches.flat().map((l) => l.item.id);
      expect(leased).toHaveLength(40);
      expect(new Set(leased).size).toBe(40);

      const run = (runId: string): NewRun => ({
        runId,
        idempotencyKey: "fn:evt-1",
        functionId: "app-fn",
        appId: "app",
        env: "dev",
        events: [{ id: "evt-1", name: "app/go", data: {}, user: {}, ts: now }],
        createdAt: now,
        maxAttempts: 3,
      });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).state.createRun(run(`run-${i}`))));
      const created = results.filter((r) => r.status === "created");
      expect(created).toHaveLength(1);
      const winner = created[0]?.status === "created" ? created[0].runId : "";
      expect(results.every((r) => r.status !== "tombstone" && r.runId === winner)).toBe(true);
      const loaded = await Promise.all(Array.from({ length: 20 }, (_, i) => a.state.loadMetadata(`run-${i}`)));
      expect(loaded.filter((m) => m !== undefined).map((m) => m?.runId)).toEqual([winner]);

      const saves = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).state.saveStep(winner, "s", `{"data":${i}}`)));
      expect(saves.filter((s) => s.status === "fulfilled")).toHaveLength(1);
      for (const s of saves) if (s.status === "rejected") expect(isWeftError(s.reason, StateConflictError)).toBe(true);
    });

    it("the bundle's close ends the queue's subscription too; closing again does nothing, and a closed bundle opens nothing", async () => {
      const [a, b] = pair();
      const channel = new KeyLayout(prefixes.at(-1)).queue().channel;
      await Promise.all([a.init(), b.init()]);
      a.queue.subscribe(() => {});
      expect(await subscribersReach(channel, 1)).toBe(1);
      await a.close();
      expect(await subscribersReach(channel, 0)).toBe(0);
      await a.close();
      const onUse = await a.state.loadRun("run-1").catch((e: unknown) => e);
      expect(isWeftError(onUse, StoreUnavailableError), String(onUse)).toBe(true);

      // A queue first subscribed after its bundle closed: no subscribed connection appears.
      await b.close();
      b.queue.subscribe(() => {});
      expect(await subscribersReach(channel, 1, 300)).toBe(0);
    });
  });
}
