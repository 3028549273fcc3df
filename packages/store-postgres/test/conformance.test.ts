import type { StoreBundle } from "@weft/store";
import { runStoreSuite } from "@weft/store-conformance";
import { createPostgresStores, migrate } from "@weft/store-postgres";
import { afterAll, beforeAll } from "vitest";
import { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin } from "@weft/testing";

// Each case gets its own fresh schema, dropped when the case ends. Migrating a schema (~80 ms of
// DDL) and dropping one (~25 ms) dominate the suite, so the next schemas are migrated ahead while
// a case runs, and finished ones are dropped in the background.
const suite = "store conformance: postgres";
const prefix = "weft_test";
const ahead = 2;
const prepared: Promise<string>[] = [];
const background: Promise<unknown>[] = [];
const schemas = new Map<StoreBundle, string>();

function prepare(): void {
  const schema = testSchema(prefix);
  prepared.push(migrate(postgresUrl, { schema }).then(() => schema));
}

if (await postgresReachable(suite)) {
  beforeAll(async () => {
    await withAdmin((admin) => dropStaleSchemas(admin, prefix));
    for (let i = 0; i < ahead; i++) prepare();
  });
  afterAll(async () => {
    const unused = await Promise.all(prepared.splice(0));
    await Promise.allSettled(background);
    await withAdmin((admin) => dropSchemas(admin, [...unused, ...schemas.values()]));
  });
  runStoreSuite({
    name: "postgres",
    create: async ({ clock }) => {
      prepare();
      const schema = await (prepared.shift() ?? Promise.reject(new Error("no schema prepared")));
      const stores = createPostgresStores(postgresUrl, { clock, schema });
      schemas.set(stores, schema);
      return stores;
    },
    destroy: async (stores) => {
      const schema = schemas.get(stores) ?? "";
      schemas.delete(stores);
      background.push(withAdmin((admin) => dropSchemas(admin, [schema])));
    },
  });
} else {
  skipUnreachable(suite);
}
