import { ManualClock } from "@weft/store";
import type { StateBundle, StoreBundle } from "@weft/store";
import { rebalance, shardLayout } from "@weft/store-layers";
import { createPostgresStores, migrate } from "@weft/store-postgres";
import { createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteKeysWithPrefix,
  dropSchemas,
  dropStaleSchemas,
  postgresReachable,
  postgresUrl,
  redisReachable,
  skipUnreachable,
  testRedisUrl,
  testSchema,
  uniquePrefix,
  withAdmin,
} from "@weft/testing";
import { expectIntact, populate, runIdsFor } from "./rebalance-world.js";

// The memory rebalance test on real backends: copies between Redis and Postgres, and the queue pass,
// which leases every item at `parkedAt` for 0 ms and relies on each backend treating a lease that
// ends exactly at `now` as over. Memory cannot show either.
const suite = "rebalance: 2 redis + 1 postgres to + 1 redis";
const reachable = [await redisReachable(suite), await postgresReachable(suite)];

if (reachable.every(Boolean)) {
  const schemaPrefix = "weft_layers_rebalance";
  const schema = testSchema(schemaPrefix);
  const admin = new Redis(testRedisUrl);
  const clock = new ManualClock();
  const prefixes: string[] = [];
  const onRedis = (label: string) => {
    prefixes.push(uniquePrefix(label));
    return createRedisStores(testRedisUrl, { clock, keyPrefix: prefixes.at(-1) });
  };
  const redis = [onRedis("rebalance-a"), onRedis("rebalance-b"), onRedis("rebalance-added")];
  let postgres: StoreBundle | undefined;

  beforeAll(async () => {
    await withAdmin((client) => dropStaleSchemas(client, schemaPrefix));
    await migrate(postgresUrl, { schema });
    postgres = createPostgresStores(postgresUrl, { clock, schema });
  });
  afterAll(async () => {
    await Promise.all(redis.map((r) => r.close()));
    if (postgres !== undefined) await postgres.close();
    await Promise.all(prefixes.map((prefix) => deleteKeysWithPrefix(admin, prefix)));
    await admin.quit();
    await withAdmin((client) => dropSchemas(client, [schema]));
  });

  describe(suite, () => {
    it("moves the runs and jobs whose shard changes, and every run reads back identical", async () => {
      const [a, b, added] = redis;
      if (a === undefined || b === undefined || added === undefined || postgres === undefined) throw new Error("stores not built");
      const shards: StateBundle[] = [a, b, postgres, added];
      await Promise.all(shards.map((s) => s.init()));
      const runIds = runIdsFor(60);
      const world = await populate(shards, clock, runIds);
      const from = shardLayout(shards.slice(0, 3));
      const to = shardLayout(shards);
      const report = await rebalance({ from, to, runIds });
      expect(report.runs.moved).toBeGreaterThan(0);
      expect(report.queue.moved).toBeGreaterThan(0);
      expect(report.queue.refused).toEqual([]);
      await expectIntact(world);
      const repeat = await rebalance({ from, to, runIds });
      expect(repeat.runs.moved).toBe(0);
      await expectIntact(world);
    });
  });
} else {
  skipUnreachable(suite);
}
