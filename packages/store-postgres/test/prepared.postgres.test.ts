// Why this cannot be a shared conformance case: it looks beneath the contracts, at the prepared
// statements of one pooled connection, and takes them away behind the client's back as a pooler
// in transaction mode (PgBouncer before 1.21) would.
import { PostgresDatabase } from "@weft/store-postgres";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin } from "@weft/testing";

const suite = "postgres prepared statements";

if (await postgresReachable(suite)) {
  const schema = testSchema("weft_prepared");
  // One connection, so every statement below runs on the connection that prepared the last one.
  const db = new PostgresDatabase(postgresUrl, { schema, poolSize: 1 });
  await db.ready();

  afterAll(async () => {
    await db.close();
    await withAdmin((client) => dropSchemas(client, [schema]));
  });

  describe(suite, () => {
    it("runs statements with parameters prepared, and goes on unprepared once the server has lost them", async () => {
      const plus = "SELECT $1::int + 1 AS n";
      expect(await db.query(plus, [1])).toEqual([{ n: 2 }]);
      const prepared = await db.query<{ name: string }>("SELECT name FROM pg_prepared_statements");
      expect(prepared.map((p) => p.name).some((name) => name.startsWith("weft_"))).toBe(true);

      // What a pooler that moved this session to another server connection looks like.
      await db.execute("DEALLOCATE ALL");
      expect(await db.query(plus, [41])).toEqual([{ n: 42 }]);
      expect(await db.transaction((tx) => tx.query(plus, [9]))).toEqual([{ n: 10 }]);
      expect(await db.query("SELECT count(*)::int AS n FROM pg_prepared_statements")).toEqual([{ n: 0 }]);
    });
  });
} else {
  skipUnreachable(suite);
}
