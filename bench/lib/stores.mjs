// Store URLs for one bench case, each under its own name (temp dir, Postgres schema, Redis key
// prefix), and their cleanup. Shared servers: WEFT_TEST_POSTGRES_URL, WEFT_TEST_REDIS_URL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const postgresUrl = process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const redisUrl = process.env.WEFT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** What each store row promises about durability on this machine. */
export const durability = {
  sqlite: "SQLite WAL, synchronous=NORMAL (survives a process crash; an OS crash may lose the last commits)",
  redis: "run state, pauses, queue in Redis with appendonly=no and no RDB save: NOT durable across a Redis restart; history in SQLite WAL/NORMAL",
  postgres: "Postgres 15, fsync=on, synchronous_commit=on",
};

export function storeConfig(store, tag) {
  const dir = mkdtempSync(join(tmpdir(), `weft-bench-${tag}-`));
  const sqlite = `sqlite:${join(dir, "weft.db")}`;
  const schema = `weftbench_${tag}`.replace(/[^a-z0-9_]/gi, "_").toLowerCase();
  const prefix = `weftbench-${tag}:`;
  let config;
  if (store === "sqlite") config = { db: sqlite };
  else if (store === "redis") config = { db: sqlite, state: `${redisUrl}?keyPrefix=${prefix}` };
  else if (store === "postgres") config = { db: `${postgresUrl}?schema=${schema}` };
  else throw new Error(`unknown store ${store}`);
  return {
    config,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (store === "postgres") {
        const pg = (await import("pg")).default;
        const c = new pg.Client({ connectionString: postgresUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      }
      if (store === "redis") {
        const { Redis } = await import("ioredis");
        const r = new Redis(redisUrl);
        let cursor = "0";
        do {
          const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length) await r.del(...keys);
        } while (cursor !== "0");
        r.disconnect();
      }
    },
  };
}
