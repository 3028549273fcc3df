// Why this cannot be a shared conformance case: it looks beneath the contracts, at the one Redis
// connection a bundle shares, which batches a turn's commands into one socket write under load.
import { RedisConnection } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, redisReachable, testRedisUrl, uniquePrefix } from "@weft/testing";

const suite = "redis connection";

if (await redisReachable(suite)) {
  const prefix = uniquePrefix("connection");
  const conn = new RedisConnection(testRedisUrl);
  await conn.init();

  afterAll(async () => {
    const admin = new Redis(testRedisUrl);
    await deleteKeysWithPrefix(admin, prefix);
    await admin.quit();
    await conn.close();
  });

  describe(suite, () => {
    it("answers each of many concurrent calls with its own reply, in the order they were made", async () => {
      // Enough calls at once that most of them leave corked, batched with their turn's others.
      const counter = `${prefix}counter`;
      const replies = await Promise.all(Array.from({ length: 300 }, () => conn.command("INCR", [counter])));
      expect(replies).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      const keys = Array.from({ length: 200 }, (_, i) => `${prefix}k${i}`);
      await Promise.all(keys.map((key, i) => conn.command("SET", [key, `v${i}`])));
      expect(await Promise.all(keys.map((key) => conn.command("GET", [key])))).toEqual(keys.map((_, i) => `v${i}`));
    });

    it("still answers a lone call at once after a burst", async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => conn.command("SET", [`${prefix}b${i}`, "x"])));
      expect(await conn.command("GET", [`${prefix}b7`])).toBe("x");
    });
  });
}
