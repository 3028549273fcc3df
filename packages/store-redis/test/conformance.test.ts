import type { StoreBundle } from "@weft/store";
import { runStoreSuite, withMemoryRegistryAndHistory } from "@weft/store-conformance";
import { createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, describe, it } from "vitest";
import { deleteKeysWithPrefix, redisReachable, testRedisUrl, uniquePrefix } from "@weft/testing";

// The shared suite on one Redis node. Each case gets its own key prefix, deleted afterwards; history
// and the registry stay in memory, as it stays in the SQL database in production.
const suite = "store conformance: redis";

if (await redisReachable(suite)) {
  const admin = new Redis(testRedisUrl);
  const prefixes = new Map<StoreBundle, string>();
  afterAll(() => admin.quit());

  runStoreSuite({
    name: "redis",
    create: async ({ clock }) => {
      const keyPrefix = uniquePrefix("conformance");
      const stores = withMemoryRegistryAndHistory(createRedisStores(testRedisUrl, { clock, keyPrefix }));
      prefixes.set(stores, keyPrefix);
      return stores;
    },
    destroy: async (stores) => {
      await deleteKeysWithPrefix(admin, prefixes.get(stores) ?? "no-such-prefix:");
      prefixes.delete(stores);
    },
  });
} else {
  describe.skip(suite, () => it("needs a reachable Redis", () => {}));
}
