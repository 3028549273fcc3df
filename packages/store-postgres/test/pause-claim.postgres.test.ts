// Why this cannot be a shared conformance case: it reads Postgres's query plan. The conformance
// ratio case for `claimPauseHolder` cannot tell a seek from a scan here, because a scan of the
// env's pauses is done by the server and returns one row either way: a few thousand rows filtered
// server-side cost less than a round trip. The plan says it directly.
import { ManualClock } from "@weft/store";
import { createPostgresStores, migrate } from "@weft/store-postgres";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin } from "@weft/testing";
import { claimHolderSql } from "../src/postgres-pause-store.js";

const suite = "postgres pause claims";
const prefix = "weft_claim";
const schema = testSchema(prefix);

if (await postgresReachable(suite)) {
  beforeAll(async () => {
    await withAdmin((admin) => dropStaleSchemas(admin, prefix));
    await migrate(postgresUrl, { schema });
  });
  afterAll(() => withAdmin((admin) => dropSchemas(admin, [schema])));

  it("the holder of a signal name is found by a seek on pauses_by_claim, among thousands of other pauses of the env", async () => {
    const stores = createPostgresStores(postgresUrl, { clock: new ManualClock(), schema });
    await stores.init();
    try {
      const now = 1_000;
      const base = { kind: "wait" as const, env: "dev", eventName: "inngest/internal.signal", createdAt: now, expiresAt: now + 60_000 };
      for (let i = 0; i < 2_000; i += 200) {
        await Promise.all(
          Array.from({ length: 200 }, (_, j) => {
            const n = i + j;
            return stores.pauses.claimPause({ ...base, id: `run-${n}:wait`, runId: `run-${n}`, stepId: "wait", exclusiveKey: `s${n}` }, { onConflict: "fail" });
          }),
        );
      }
      expect((await stores.pauses.claimPauseHolder("dev", "s1234"))?.runId).toBe("run-1234");
    } finally {
      await stores.close();
    }
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(`ANALYZE ${pg.escapeIdentifier(schema)}.pauses`);
      const table = `${pg.escapeIdentifier(schema)}.pauses`;
      const { rows } = await client.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${claimHolderSql(table)}`, ["dev", "s1234"]);
      const plan = JSON.stringify(rows[0]?.["QUERY PLAN"]);
      expect(plan).toContain('"Index Name":"pauses_by_claim"');
      expect(plan).not.toContain("Seq Scan");
    } finally {
      await client.end();
    }
  });
} else skipUnreachable(suite);
