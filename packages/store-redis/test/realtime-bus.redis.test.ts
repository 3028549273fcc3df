// The realtime bus over Redis pub/sub between two connections, as two engine processes hold them.
// Redis-only: pub/sub is not part of the store suite's data contract.
import { runRealtimeBusSuite } from "@weft/store-conformance";
import { createRedisStores } from "@weft/store-redis";
import { redisReachable, testRedisUrl, uniquePrefix } from "@weft/testing";
import { it } from "vitest";

const suite = "realtime bus: redis";
if (await redisReachable(suite)) {
  runRealtimeBusSuite({
    name: "redis",
    create: async () => {
      const keyPrefix = uniquePrefix("realtime");
      const [a, b] = [createRedisStores(testRedisUrl, { keyPrefix, warn: () => {} }), createRedisStores(testRedisUrl, { keyPrefix, warn: () => {} })];
      await Promise.all([a.init(), b.init()]);
      if (!a.realtime || !b.realtime) throw new Error("the Redis bundle has no realtime bus");
      return { publisher: a.realtime, subscriber: b.realtime, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
  });
} else {
  it.skip(`${suite}: Redis unreachable (see the warning above)`, () => {});
}
