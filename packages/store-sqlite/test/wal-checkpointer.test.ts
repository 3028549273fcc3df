// The engine's connection leaves WAL checkpoints to a worker thread. Pages reach the database file
// only through a checkpoint, and the writer's own checkpoint waits for a WAL far larger than this
// test writes, so a database file that grows while the writer stays open was checkpointed by the
// worker.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeStores } from "@weft/store";
import { createSqliteStores } from "@weft/store-sqlite";
import { afterEach, beforeEach, expect, it } from "vitest";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "weft-sqlite-wal-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it("a worker thread checkpoints the WAL of the group-commit connection while it stays open", async () => {
  const path = join(dir, "weft.db");
  const stores = createSqliteStores(path);
  try {
    const before = statSync(path).size;
    const events = Array.from({ length: 2_000 }, (_, i) => ({ id: `evt-${i}`, name: "app/big", data: { pad: "x".repeat(1_000), i }, user: {}, ts: i }));
    await stores.history.saveEvents(events.map((event) => ({ internalId: event.id, receivedAt: 1, event })));
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000); // written, not yet in the file

    const deadline = Date.now() + 10_000;
    while (statSync(path).size <= before + 1_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(path).size).toBeGreaterThan(before + 1_000_000);
    expect((await stores.history.getEvent("evt-1999"))?.event.data).toMatchObject({ i: 1999 });
  } finally {
    await closeStores(stores);
  }
});
