import { createMemoryStores } from "@weft/store";
import type { StateBundle } from "@weft/store";
import { CachedRunStateStore } from "@weft/store-layers";
import { createPostgresStores, migrate } from "@weft/store-postgres";
import { createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { describe, it } from "vitest";
import { deleteKeysWithPrefix, dropSchemas, postgresUrl, testRedisUrl, testSchema, uniquePrefix, withAdmin } from "@weft/testing";

// Not a check: the measurement behind `probeMinBytes`'s default (README, "What the cache costs").
// It prints, for runs of growing size, a whole `loadRun` against a cache hit (`loadMetadata` plus
// the idempotent-save check). Opt in with WEFT_MEASURE=1; it needs Redis and Postgres.
const enabled = process.env.WEFT_MEASURE === "1";

describe.skipIf(!enabled)("what a cache hit costs against a whole read (WEFT_MEASURE=1)", () => {
  it("prints the timings", { timeout: 300_000 }, async () => {
    await measure("memory", createMemoryStores());
    const prefix = uniquePrefix("measure");
    await measure("redis", createRedisStores(testRedisUrl, { keyPrefix: prefix }));
    const admin = new Redis(testRedisUrl);
    await deleteKeysWithPrefix(admin, prefix);
    await admin.quit();
    const schema = testSchema("weft_layers_measure");
    await migrate(postgresUrl, { schema });
    await measure("postgres", createPostgresStores(postgresUrl, { schema }));
    await withAdmin((client) => dropSchemas(client, [schema]));
  });
});

const shapes = [
  [5, 100],
  [10, 2_500],
  [10, 5_000],
  [20, 5_000],
  [40, 5_000],
  [100, 10_000],
] as const;

async function measure(name: string, bundle: StateBundle): Promise<void> {
  await bundle.init();
  const inner = bundle.state;
  for (const [steps, size] of shapes) {
    const runId = `measure-${steps}-${size}-${process.pid}`;
    const events = [{ id: "e", name: "app/x", data: {}, user: {}, ts: 0 }];
    await inner.createRun({ runId, idempotencyKey: runId, functionId: "f", appId: "a", env: "dev", events, createdAt: 0, maxAttempts: 1 });
    for (let i = 0; i < steps; i++) await inner.saveStep(runId, `step-${String(i).padStart(35, "0")}`, JSON.stringify({ data: "x".repeat(size) }));
    const cached = new CachedRunStateStore(inner, { maxBytes: 1e9, probeMinBytes: 0 });
    await cached.loadRun(runId);
    const whole = await timeEach(() => inner.loadRun(runId));
    const hit = await timeEach(() => cached.loadRun(runId));
    const kib = Math.round((steps * size) / 1024);
    console.log(`${name}: ${steps} steps x ${size} B (~${kib} KiB): whole read ${whole} µs, cache hit ${hit} µs`);
  }
  await bundle.close();
}

async function timeEach(call: () => Promise<unknown>, times = 300): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < times; i++) await call();
  return Math.round(((performance.now() - start) / times) * 1000);
}
