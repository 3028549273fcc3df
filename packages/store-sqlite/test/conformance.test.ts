import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoreBundle } from "@weft/store";
import { runStoreSuite } from "@weft/store-conformance";
import { createSqliteStores } from "@weft/store-sqlite";

// Each case gets a fresh database file in its own temp directory, removed once the suite has
// closed the bundle.
const dirs = new Map<StoreBundle, string>();

runStoreSuite({
  name: "sqlite",
  create: async ({ clock }) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-"));
    const stores = createSqliteStores(join(dir, "weft.db"), { clock });
    dirs.set(stores, dir);
    return stores;
  },
  destroy: async (stores) => {
    rmSync(dirs.get(stores) ?? "", { recursive: true, force: true });
    dirs.delete(stores);
  },
});
