// The realtime bus over Postgres LISTEN/NOTIFY between two pools on one schema, as two engine
// processes hold them; large messages go as chunks in one transaction. Postgres-only.
import { runRealtimeBusSuite } from "@weft/store-conformance";
import { createPostgresStores } from "@weft/store-postgres";
import { dropSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin } from "@weft/testing";

const suite = "realtime bus: postgres";
if (await postgresReachable(suite)) {
  runRealtimeBusSuite({
    name: "postgres",
    create: async () => {
      const schema = testSchema("weft_rt_bus");
      const [a, b] = [createPostgresStores(postgresUrl, { schema }), createPostgresStores(postgresUrl, { schema })];
      await a.init();
      await b.init();
      if (!a.realtime || !b.realtime) throw new Error("the Postgres bundle has no realtime bus");
      return {
        publisher: a.realtime,
        subscriber: b.realtime,
        close: async () => {
          await Promise.all([a.close(), b.close()]);
          await withAdmin((admin) => dropSchemas(admin, [schema]));
        },
      };
    },
  });
} else {
  skipUnreachable(suite);
}
