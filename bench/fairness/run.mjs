// Fairness of the queue: a noisy tenant floods 100,000 items while a quiet tenant enqueues one
// item every 10 ms; workers lease and finish items as fast as they can. Prints the quiet tenant's
// wait (enqueue → lease) at p50/p99 for each store. Run after `npm run build`:
//   node bench/fairness/run.mjs [memory|sqlite|postgres|redis ...]
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryStores } from "@weft/store";
import { createSqliteStores } from "@weft/store-sqlite";

const noisyItems = Number(process.env.NOISY ?? 100_000);
const quietItems = 200;
const workers = 8;

async function openStore(kind) {
  if (kind === "memory") return { stores: createMemoryStores(), cleanup: () => {} };
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "weft-fair-"));
    return { stores: createSqliteStores(join(dir, "q.db")), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (kind === "postgres") {
    const { createPostgresStores } = await import("@weft/store-postgres");
    const schema = `weft_fair_${process.pid}`;
    const url = process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
    return {
      stores: createPostgresStores(url, { schema }),
      cleanup: async () => {
        const pg = (await import("pg")).default;
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      },
    };
  }
  if (kind === "redis") {
    const { createRedisStores } = await import("@weft/store-redis");
    const prefix = `weft-fair-${process.pid}:`;
    const url = process.env.WEFT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
    return {
      stores: createRedisStores(`${url}?keyPrefix=${prefix}`),
      cleanup: async () => {
        const { Redis } = await import("ioredis");
        const r = new Redis(url);
        const keys = await r.keys(`${prefix}*`);
        if (keys.length) await r.del(...keys);
        r.disconnect();
      },
    };
  }
  throw new Error(`unknown store ${kind}`);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(kind) {
  const { stores, cleanup } = await openStore(kind);
  const queue = stores.queue;
  await queue.init();
  const now = () => Date.now();
  const item = (tenant, i) => ({ id: `${tenant}-${i}`, kind: "event", tenant, payload: {}, availableAt: now(), attempt: 0 });
  const started = now();
  // The flood first: 100,000 items ahead of anything the quiet tenant sends.
  for (let i = 0; i < noisyItems; i += 500)
    await Promise.all(Array.from({ length: Math.min(500, noisyItems - i) }, (_, j) => queue.enqueue(item("noisy", i + j))));
  const floodMs = now() - started;
  const enqueuedAt = new Map();
  const waits = [];
  let quietSent = 0;
  let done = 0;
  const sender = setInterval(() => {
    if (quietSent >= quietItems) return clearInterval(sender);
    const id = `quiet-${quietSent++}`;
    enqueuedAt.set(id, now());
    void queue.enqueue({ ...item("quiet", 0), id });
  }, 10);
  const work = async () => {
    while (waits.length < quietItems) {
      const leases = await queue.lease({ now: now(), leaseMs: 30_000, limit: 8 });
      if (leases.length === 0) await new Promise((r) => setTimeout(r, 1));
      for (const lease of leases) {
        const at = enqueuedAt.get(lease.item.id);
        if (at !== undefined) waits.push(now() - at);
        await queue.dequeue(lease.token);
        done++;
      }
    }
  };
  const t0 = now();
  await Promise.all(Array.from({ length: workers }, work));
  const elapsed = (now() - t0) / 1000;
  clearInterval(sender);
  await queue.close();
  await stores.state.close();
  await stores.pauses.close();
  await stores.history?.close();
  await stores.flow?.close();
  await cleanup();
  waits.sort((a, b) => a - b);
  return { kind, floodMs, p50: percentile(waits, 50), p99: percentile(waits, 99), max: waits.at(-1), itemsPerSec: Math.round(done / elapsed) };
}

const kinds = process.argv.slice(2).length ? process.argv.slice(2) : ["memory", "sqlite"];
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}`);
console.log(`noisy tenant: ${noisyItems} items queued first; quiet tenant: ${quietItems} items, one per 10 ms; ${workers} workers leasing 8 at a time`);
console.log("store     flood enqueue   quiet wait p50   p99     max     dequeues/s");
for (const kind of kinds) {
  const r = await measure(kind);
  console.log(
    `${r.kind.padEnd(9)} ${String(r.floodMs).padStart(8)} ms   ${String(r.p50).padStart(8)} ms ${String(r.p99).padStart(5)} ms ${String(r.max).padStart(6)} ms ${String(r.itemsPerSec).padStart(9)}`,
  );
}
