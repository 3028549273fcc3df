import { createMemoryStores } from "@weft/store";
import type { StoreBundle } from "@weft/store";
import { runStoreSuite, withMemoryRegistryAndHistory } from "@weft/store-conformance";
import { createShardedStores } from "@weft/store-layers";
import { createPostgresStores, migrate } from "@weft/store-postgres";
import { createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
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

// The shared suite through the sharded stores, unchanged. Three memory shards exercise every routing
// rule (run id, key claim, pause id, token prefix, fan-out) with no I/O; two Redis shards and one
// Postgres shard do it across real backends, mixed, as `--state redis://a,redis://b,postgres://c` would.

runStoreSuite({
  name: "sharded: 3 memory shards",
  create: async ({ clock }) => {
    const shards = Array.from({ length: 3 }, () => createMemoryStores({ clock }));
    // Flow control is not sharded: one shard's flow store serves the deployment.
    return withMemoryRegistryAndHistory(createShardedStores(shards, { flow: (shards[0] as StoreBundle).flow }));
  },
});

const mixed = "store conformance: sharded: 2 redis + 1 postgres";
// Both gates run (and, under CI=true, both throw when their backend is missing).
const reachable = [await redisReachable(mixed), await postgresReachable(mixed)];

if (reachable.every(Boolean)) {
  const schemaPrefix = "weft_layers";
  const admin = new Redis(testRedisUrl);
  /** What each case's bundle was built from, to tear down: Redis prefixes and the schema. */
  const built = new Map<StoreBundle, { prefixes: string[]; schema: string }>();
  beforeAll(() => withAdmin((client) => dropStaleSchemas(client, schemaPrefix)));
  afterAll(() => admin.quit());

  runStoreSuite({
    name: "sharded: 2 redis + 1 postgres",
    create: async ({ clock }) => {
      const prefixes = [uniquePrefix("sharded-a"), uniquePrefix("sharded-b")];
      const schema = testSchema(schemaPrefix);
      await migrate(postgresUrl, { schema });
      const postgres = createPostgresStores(postgresUrl, { clock, schema });
      const redis = prefixes.map((keyPrefix) => createRedisStores(testRedisUrl, { clock, keyPrefix }));
      const stores = withMemoryRegistryAndHistory(createShardedStores([...redis, postgres], { flow: postgres.flow }));
      built.set(stores, { prefixes, schema });
      return stores;
    },
    destroy: async (stores) => {
      const parts = built.get(stores);
      built.delete(stores);
      if (parts === undefined) return;
      await Promise.all(parts.prefixes.map((prefix) => deleteKeysWithPrefix(admin, prefix)));
      await withAdmin((client) => dropSchemas(client, [parts.schema]));
    },
  });
} else {
  skipUnreachable(mixed);
}
