// SQLite only: two bundles on one file stand for two processes, which the shared suite (one bundle
// per case) cannot express; the Postgres twin is rollups.postgres.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRollupsReachOtherProcesses } from "@weft/store-conformance";
import { createSqliteStores } from "@weft/store-sqlite";
import { afterAll, describe, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "weft-rollups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sqlite chart rollups", () => {
  it("are written to the file: a later connection sees a closed one's counts", async () => {
    await checkRollupsReachOtherProcesses(() => createSqliteStores(join(dir, "weft.db")));
  });
});
