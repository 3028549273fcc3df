// Redis only: whether a finished run's keys carry an expiry is a fact about Redis keys (PTTL), which
// no other store has. Without `finishedRunTtlMs` a finished run's state stays until `deleteRun`.
import { createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, redisReachable, testRedisUrl, uniquePrefix } from "@weft/testing";

const suite = "redis: finished runs expire with --retention-runs";

function newRun(runId: string) {
  return { runId, idempotencyKey: `fn:${runId}`, functionId: "fn", appId: "app", env: "dev", events: [], createdAt: 1, maxAttempts: 1 };
}

if (await redisReachable(suite)) {
  const admin = new Redis(testRedisUrl);
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await deleteKeysWithPrefix(admin, p);
    await admin.quit();
  });

  const open = async (finishedRunTtlMs?: number) => {
    const keyPrefix = uniquePrefix("retention");
    prefixes.push(keyPrefix);
    const stores = createRedisStores(testRedisUrl, { keyPrefix, finishedRunTtlMs });
    await stores.init();
    return { stores, keyPrefix };
  };

  describe(suite, () => {
    it("a finished run's keys and idempotency key get the expiry; a running run's keep none; they are gone once it passes", async () => {
      const { stores, keyPrefix } = await open(300);
      try {
        await stores.state.createRun(newRun("run-ended"));
        await stores.state.createRun(newRun("run-going"));
        await stores.state.saveStep("run-ended", "s1", '{"data":1}');
        await stores.state.saveStep("run-going", "s1", '{"data":1}');
        expect(await stores.state.finalize("run-ended", { status: "Completed", output: "null", endedAt: 2 })).toBe(true);
        const ttls = async (runId: string) => {
          const keys = (await admin.keys(`${keyPrefix}*`)).filter((k) => k.includes(runId));
          return Promise.all(keys.map(async (k) => [k.replace(keyPrefix, ""), await admin.pttl(k)] as const));
        };
        const ended = await ttls("run-ended");
        expect(ended.length).toBeGreaterThanOrEqual(3); // run hash, steps, stack, idempotency key
        for (const [key, ttl] of ended) expect(ttl, key).toBeGreaterThan(0);
        for (const [key, ttl] of await ttls("run-going")) expect(ttl, key).toBe(-1);
        // Finalizing again (a lost race) changes nothing.
        expect(await stores.state.finalize("run-ended", { status: "Failed", output: "null", endedAt: 3 })).toBe(false);
        await new Promise((r) => setTimeout(r, 450));
        expect(await ttls("run-ended")).toEqual([]);
        expect(await stores.state.loadRun("run-ended")).toBeUndefined();
        expect((await stores.state.loadRun("run-going"))?.metadata.status).toBe("Running");
      } finally {
        await stores.close();
      }
    });

    it("without finishedRunTtlMs a finished run's state has no expiry (it stays until the sweep's deleteRun)", async () => {
      const { stores, keyPrefix } = await open();
      try {
        await stores.state.createRun(newRun("run-kept"));
        await stores.state.finalize("run-kept", { status: "Completed", output: "null", endedAt: 2 });
        const keys = await admin.keys(`${keyPrefix}*run-kept*`);
        expect(keys.length).toBeGreaterThan(0);
        for (const k of keys) expect(await admin.pttl(k)).toBe(-1);
        await stores.state.deleteRun("run-kept", 0);
        expect(await stores.state.loadRun("run-kept")).toBeUndefined();
      } finally {
        await stores.close();
      }
    });
  });
} else {
  describe.skip(suite, () => it("needs a reachable Redis", () => {}));
}
