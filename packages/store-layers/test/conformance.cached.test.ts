import { createMemoryStores } from "@weft/store";
import type { StoreBundle } from "@weft/store";
import { runStoreSuite, withMemoryRegistryAndHistory } from "@weft/store-conformance";
import { createCachedStores } from "@weft/store-layers";
import { createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, describe, it } from "vitest";
import { deleteKeysWithPrefix, redisReachable, testRedisUrl, uniquePrefix } from "@weft/testing";

// The shared suite through the run-state cache, unchanged. `probeMinBytes: 0` makes every load of a
// cached run take the checked path, so the suite's reads after writes test that path, not the bypass.
const cache = { maxBytes: 1024 * 1024, probeMinBytes: 0 };

runStoreSuite({
  name: "cached over memory",
  create: async ({ clock }) => {
    const inner = createMemoryStores({ clock });
    return { ...createCachedStores(inner, cache), registry: inner.registry, history: inner.history };
  },
});

const overRedis = "store conformance: cached over redis";
if (await redisReachable(overRedis)) {
  const admin = new Redis(testRedisUrl);
  const prefixes = new Map<StoreBundle, string>();
  afterAll(() => admin.quit());

  runStoreSuite({
    name: "cached over redis",
    create: async ({ clock }) => {
      const keyPrefix = uniquePrefix("cached");
      const stores = withMemoryRegistryAndHistory(createCachedStores(createRedisStores(testRedisUrl, { clock, keyPrefix }), cache));
      prefixes.set(stores, keyPrefix);
      return stores;
    },
    destroy: async (stores) => {
      await deleteKeysWithPrefix(admin, prefixes.get(stores) ?? "no-such-prefix:");
      prefixes.delete(stores);
    },
  });
} else {
  describe.skip(overRedis, () => it("needs a reachable Redis", () => {}));
}
