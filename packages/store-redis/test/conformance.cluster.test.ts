import { StoreUnavailableError, isWeftError } from "@weft/core";
import { ManualClock } from "@weft/store";
import type { StoreBundle } from "@weft/store";
import { runStoreSuite, withMemoryRegistryAndHistory } from "@weft/store-conformance";
import { createRedisStores } from "@weft/store-redis";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, redisBinariesPresent, startRedisCluster, type TestRedis, uniquePrefix } from "@weft/testing";
import { expectCrossProcessWakeups } from "./wakeup-check.js";

// The shared suite on a real 3-master Redis Cluster this file starts on free loopback ports: any
// script whose keys do not share one hash tag fails here with CROSSSLOT, which one node never shows.
const suite = "store conformance: redis-cluster";

if (redisBinariesPresent(suite)) {
  let cluster: TestRedis | undefined;
  let admin: Cluster | undefined;
  const prefixes = new Map<StoreBundle, string>();

  beforeAll(async () => {
    cluster = await startRedisCluster();
    admin = new Cluster(cluster.ports.map((port) => ({ host: "127.0.0.1", port })));
  }, 30_000);

  afterAll(async () => {
    admin?.disconnect(); // the last case kills the cluster: nothing to quit politely
    await cluster?.stop();
  });

  runStoreSuite({
    name: "redis-cluster",
    create: async ({ clock }) => {
      if (cluster === undefined) throw new Error("the test cluster did not start");
      const keyPrefix = uniquePrefix("cluster");
      const stores = withMemoryRegistryAndHistory(createRedisStores(cluster.url, { clock, keyPrefix }));
      prefixes.set(stores, keyPrefix);
      return stores;
    },
    destroy: async (stores) => {
      if (admin !== undefined) await deleteKeysWithPrefix(admin, prefixes.get(stores) ?? "no-such-prefix:");
      prefixes.delete(stores);
    },
  });

  // Not suite cases: they need two bundles (two processes) on the cluster, or a cluster to kill.
  describe("redis-cluster: across processes", () => {
    // A PUBLISH made inside a script on one node reaches a subscriber on whichever node it picked.
    it("an enqueue or requeue in one process wakes another process's listener", async () => {
      if (cluster === undefined || admin === undefined) throw new Error("the test cluster did not start");
      const keyPrefix = uniquePrefix("cluster-wakeups");
      const clock = new ManualClock();
      const [a, b] = [createRedisStores(cluster.url, { clock, keyPrefix }), createRedisStores(cluster.url, { clock, keyPrefix })];
      try {
        await expectCrossProcessWakeups(a.queue, b.queue, clock.now());
      } finally {
        await Promise.all([a.close(), b.close()]);
        await deleteKeysWithPrefix(admin, keyPrefix);
      }
    });

    // Last in the file on purpose: it kills the cluster the cases above share.
    it("a cluster that loses every node turns calls into StoreUnavailableError naming the URL", async () => {
      if (cluster === undefined) throw new Error("the test cluster did not start");
      const stores = createRedisStores(cluster.url, { commandTimeoutMs: 1_000 });
      try {
        await stores.init();
        await stores.queue.size();
        await cluster.stop();
        const started = Date.now();
        for (const call of [stores.queue.size(), stores.state.loadRun("run-1"), stores.pauses.getPause("p")]) {
          const error = await call.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isWeftError(error, StoreUnavailableError), String(error)).toBe(true);
          expect((error as Error).message).toContain(cluster.url);
        }
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await stores.close();
      }
    });
  });
} else {
  describe.skip(suite, () => it("needs redis-server and redis-cli", () => {}));
}
