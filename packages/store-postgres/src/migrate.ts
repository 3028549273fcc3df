import { migrations } from "./migrations.js";
import type { Migration } from "./migrations.js";
import { PostgresDatabase } from "./postgres-database.js";
import type { MigrateResult } from "./schema-migrator.js";

export interface MigrateOptions {
  /** Default `weft`. */
  schema?: string;
  /** @internal tests pass their own list; production always uses `migrations`. */
  migrations?: readonly Migration[];
}

/**
 * Bring a schema up to date and end the connection: what `weft migrate` runs. The stores also
 * migrate on `init()`, so calling this first is optional; it lets an operator migrate before
 * rolling out engines. Throws `StoreUnavailableError` when the database is unreachable or holds
 * migrations newer than this build.
 */
export async function migrate(url: string, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const db = new PostgresDatabase(url, { schema: opts.schema, poolSize: 1, migrations: opts.migrations ?? migrations });
  try {
    return await db.migrate();
  } finally {
    await db.close();
  }
}
