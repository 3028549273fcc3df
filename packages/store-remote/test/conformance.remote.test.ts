import { createMemoryStores } from "@weft/store";
import type { StoreBundle } from "@weft/store";
import { runStoreSuite } from "@weft/store-conformance";
import { createPostgresStores, migrate } from "@weft/store-postgres";
import { createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, it } from "vitest";
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
import { createShardedStores } from "@weft/store-layers";
import { remoteSuite } from "./remote-harness.js";

// The shared suite, unchanged, through a coordinator on loopback: every case talks HTTP/2 to its
// own coordinator, which hosts fresh backing stores on the case's clock. Memory always runs; Redis
// and Postgres skip loudly on a machine without them and fail under CI=true, as their own suites do.

runStoreSuite(
  remoteSuite("remote over memory", async (clock) => {
    return { stores: createMemoryStores({ clock }) };
  }),
);

const redisSuite = "store conformance: remote over redis";
if (await redisReachable(redisSuite)) {
  const admin = new Redis(testRedisUrl);
  afterAll(() => admin.quit());
  runStoreSuite(
    remoteSuite("remote over redis", async (clock) => {
      const keyPrefix = uniquePrefix("remote-conformance");
      const stores = createRedisStores(testRedisUrl, { clock, keyPrefix });
      return {
        stores,
        cleanup: async () => {
          await deleteKeysWithPrefix(admin, keyPrefix);
        },
      };
    }),
  );
} else {
  describe.skip(redisSuite, () => it("needs a reachable Redis", () => {}));
}

// As the Postgres suite does: a fresh schema per case, migrated ahead while a case runs and
// dropped in the background after it.
const postgresSuite = "store conformance: remote over postgres";
if (await postgresReachable(postgresSuite)) {
  const prefix = "weft_remote";
  const prepared: Promise<string>[] = [];
  const background: Promise<unknown>[] = [];
  const used: string[] = [];
  const prepare = () => {
    const schema = testSchema(prefix);
    prepared.push(migrate(postgresUrl, { schema }).then(() => schema));
  };
  beforeAll(async () => {
    await withAdmin((admin) => dropStaleSchemas(admin, prefix));
    for (let i = 0; i < 2; i++) prepare();
  });
  afterAll(async () => {
    const unused = await Promise.all(prepared.splice(0));
    await Promise.allSettled(background);
    await withAdmin((admin) => dropSchemas(admin, [...unused, ...used]));
  });
  runStoreSuite(
    remoteSuite("remote over postgres", async (clock) => {
      prepare();
      const schema = await (prepared.shift() ?? Promise.reject(new Error("no schema prepared")));
      used.push(schema);
      return {
        stores: createPostgresStores(postgresUrl, { clock, schema, poolSize: 4 }),
        cleanup: async () => {
          background.push(withAdmin((admin) => dropSchemas(admin, [schema])));
        },
      };
    }),
  );
} else {
  skipUnreachable(postgresSuite);
}

// Remote over sharded: the coordinator hosts the sharded layer over three memory shards, as a
// deployment would put one coordinator in front of several backends. Imported by path because the
// layer is new and not yet linked into node_modules by `npm install`.
runStoreSuite(
  remoteSuite("remote over sharded (3 memory shards)", async (clock) => {
    const shards = Array.from({ length: 3 }, () => createMemoryStores({ clock }));
    // Flow control is not sharded: the first shard's flow store serves the deployment.
    return { stores: createShardedStores(shards, { flow: (shards[0] as StoreBundle).flow }) };
  }),
);
