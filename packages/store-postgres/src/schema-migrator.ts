import { StoreUnavailableError } from "@weft/core";
import type pg from "pg";
import type { Migration } from "./migrations.js";

export interface MigrateResult {
  schema: string;
  /** Versions this call applied (empty when the schema was already current). */
  applied: number[];
  /** The schema's version afterwards: the highest applied migration. */
  version: number;
}

/**
 * Apply `list` to `schema` over one connection. Already current: two reads and no lock, so engines
 * starting against a migrated database never queue behind each other. Otherwise one transaction
 * under `pg_advisory_xact_lock` on the schema's name: concurrent starters wait, then find the work
 * done. The schema and `schema_migrations` are created under the lock too, because two concurrent
 * `CREATE SCHEMA IF NOT EXISTS` can still collide on the catalog's unique index.
 *
 * @internal
 */
export async function migrateSchema(client: pg.ClientBase, schema: string, target: string, list: readonly Migration[]): Promise<MigrateResult> {
  const quoted = `"${schema}"`;
  const ordered = [...list].sort((a, b) => a.version - b.version);
  const latest = ordered.at(-1)?.version ?? 0;

  const before = await appliedVersions(client, quoted);
  if (before !== undefined) {
    refuseUnknown(before, ordered, schema, target);
    if (ordered.every((m) => before.has(m.version))) return { schema, applied: [], version: latest };
  }

  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`weft.migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`,
    );
    const applied = (await appliedVersions(client, quoted)) ?? new Set<number>();
    refuseUnknown(applied, ordered, schema, target);
    // Scoped to this transaction: the pool's connections keep their own search_path.
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    const done: number[] = [];
    for (const m of ordered) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, Date.now()]);
      done.push(m.version);
    }
    await client.query("COMMIT");
    return { schema, applied: done, version: latest };
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {
      // the connection is gone; the caller discards it and reports `e`
    });
    throw e;
  }
}

/** The applied versions, or undefined when the schema has no `schema_migrations` table yet. */
async function appliedVersions(client: pg.ClientBase, quoted: string): Promise<Set<number> | undefined> {
  const table = `${quoted}.schema_migrations`;
  const found = await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table]);
  if (found.rows[0]?.t == null) return undefined;
  const rows = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
  return new Set(rows.rows.map((r) => r.version));
}

/** A schema migrated by a newer build may mean anything to this one: refuse it rather than guess. */
function refuseUnknown(applied: ReadonlySet<number>, known: readonly Migration[], schema: string, target: string): void {
  const versions = new Set(known.map((m) => m.version));
  const unknown = [...applied].filter((v) => !versions.has(v)).sort((a, b) => a - b);
  if (unknown.length === 0) return;
  const latest = known.at(-1)?.version ?? 0;
  throw new StoreUnavailableError(
    `postgres schema "${schema}" at ${target} has migration(s) ${unknown.join(", ")} that this build does not know ` +
      `(it knows up to ${latest}); refusing to use it: upgrade weft, or point it at another schema`,
  );
}
