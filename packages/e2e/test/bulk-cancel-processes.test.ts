// A bulk cancel of 5,000 runs by CEL expression across two real `weft start` processes on one
// Postgres store, one of them killed (kill -9) half way: the other takes the operation's page job
// up once its lease lapses and finishes it. Exactly the matching half of the runs ends Cancelled,
// each counted once. The runs are seeded straight into the stores (state and history, as
// `startRun` writes them) rather than through an app, which keeps the test well under a minute on
// 2 cores; the cancel itself goes through the engine's one cancel path (finalize once).
import type { ChildProcess } from "node:child_process";
import type { ApiBulkOperation } from "@weft/core";
import { closeStores, openStores } from "@weft/server";
import type { RunRecord, StoreBundle } from "@weft/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestData, testBackend } from "../src/backends.js";
import { api, waitFor } from "../src/harness.js";
import { freePort, kill9, processLog, requireBuiltCli, startWeftProcess } from "../src/processes.js";

const postgres = await testBackend("postgres");
const schema = `bulk_${process.pid}_${Date.now()}`;
const total = 5000;
const functionId = "seed-app-work";

describe.skipIf(!postgres)("bulk cancel across two processes on Postgres", () => {
  const db = `${postgres}?schema=${schema}`;
  let stores: StoreBundle;
  const children: ChildProcess[] = [];
  /** run id → whether its event matches (`parity == 'even'`). */
  const matches = new Map<string, boolean>();

  beforeAll(async () => {
    requireBuiltCli();
    stores = await openStores({ db });
    const startedAt = Date.now() - 60_000;
    const seeds = Array.from({ length: total }, (_, k) => k);
    for (let i = 0; i < seeds.length; i += 100) {
      await Promise.all(
        seeds.slice(i, i + 100).map(async (k) => {
          const runId = `01SEED${String(k).padStart(20, "0")}`;
          const event = { id: `seed-${k}`, name: "seed/go", data: { k, parity: k % 2 === 0 ? "even" : "odd" }, user: {}, ts: startedAt };
          await stores.state.createRun({
            runId,
            idempotencyKey: `${functionId}:seed-${k}`,
            functionId,
            appId: "seed-app",
            env: "dev",
            events: [event],
            createdAt: startedAt,
            maxAttempts: 1,
          });
          await stores.history.recordRun({ runId, functionId, eventId: `seed-${k}`, status: "Running", startedAt });
          matches.set(runId, k % 2 === 0);
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of children) await kill9(child);
    if (stores) await closeStores(stores);
    await dropTestData({ postgres, schemas: [schema] });
  });

  it("cancels exactly the matching runs, and survives a kill -9 of the process working it", { timeout: 60_000 }, async () => {
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const args = ["start", "--insecure-dev", "--db", db, "--port", String(port), "--lease", "2s", "--log-level", "warn"];
      children.push(await startWeftProcess(args, "server on"));
    }
    const [a, b] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string];
    const { data: op } = await api<{ data: ApiBulkOperation }>(a, "POST", "/v1/cancellations", { function_id: functionId, if: "event.data.parity == 'even'" });

    // Kill the process that took the operation (its pages hand off to itself) once it is under way.
    const midway = await waitFor(
      async () => {
        const { data } = await api<{ data: ApiBulkOperation }>(b, "GET", `/v1/cancellations/${op.id}`);
        return (data.cancelled ?? 0) >= 200 || data.status === "done" ? data : undefined;
      },
      "the cancellation to get going",
      30_000,
    );
    await kill9(children[0] as ChildProcess);
    expect(midway.status).toBe("running");

    const done = await waitFor(
      async () => {
        const { data } = await api<{ data: ApiBulkOperation }>(b, "GET", `/v1/cancellations/${op.id}`);
        return data.status === "done" ? data : undefined;
      },
      `the survivor to finish the cancellation (log: ${processLog(children[1] as ChildProcess).slice(-500)})`,
      50_000,
    );
    expect(done).toMatchObject({ matched: total / 2, cancelled: total / 2, skipped: 0 });

    const seen: RunRecord[] = [];
    for (let before: string | undefined; ; ) {
      const page = await stores.history.listRuns({ functionId, before, limit: 1000 });
      seen.push(...page);
      if (page.length < 1000) break;
      before = page.at(-1)?.runId;
    }
    expect(seen).toHaveLength(total);
    const wrong = seen.filter((r) => r.status !== (matches.get(r.runId) ? "Cancelled" : "Running"));
    expect(wrong.map((r) => `${r.runId} ${r.status}`)).toEqual([]);
    // Run state agrees with history.
    for (const id of [...matches.keys()].slice(0, 50)) expect((await stores.state.loadMetadata(id))?.status).toBe(matches.get(id) ? "Cancelled" : "Running");
  });
});
