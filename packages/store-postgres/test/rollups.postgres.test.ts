// Postgres only: two bundles on one schema stand for two processes, which the shared suite (one
// bundle per case) cannot express; the SQLite twin is rollups.sqlite.test.ts.
import { checkRollupsReachOtherProcesses } from "@weft/store-conformance";
import { createPostgresStores } from "@weft/store-postgres";
import { dropSchemas, postgresReachable, postgresUrl, testSchema, withAdmin } from "@weft/testing";
import { afterAll, describe, it } from "vitest";

const reachable = await postgresReachable("postgres chart rollups");
const schema = testSchema("weft_rollups");
afterAll(async () => {
  if (reachable) await withAdmin((admin) => dropSchemas(admin, [schema]));
});

describe.runIf(reachable)("postgres chart rollups", () => {
  it("are written to the table: another pool sees a closed one's counts", async () => {
    await checkRollupsReachOtherProcesses(() => createPostgresStores(postgresUrl, { schema }));
  });
});
