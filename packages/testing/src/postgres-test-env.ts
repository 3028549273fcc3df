import pg from "pg";
import { it } from "vitest";

/** The database every Postgres test uses; CI runs a local server with trust auth. */
export const postgresUrl = process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Whether the test database answers. When it does not: under `CI=true` this throws, failing the
 * file, because CI starts Postgres and a silent skip would hide a broken setup; on a developer
 * machine it warns loudly and the caller registers `skipUnreachable` instead of its tests.
 */
export async function postgresReachable(suite: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch (e) {
    const reason =
      `Postgres is not reachable at ${new URL(postgresUrl).host}${new URL(postgresUrl).pathname} ` +
      `(${e instanceof Error && e.message !== "" ? e.message : String(e)}); set WEFT_TEST_POSTGRES_URL`;
    if (process.env.CI === "true") throw new Error(`${suite}: ${reason}`);
    console.warn(`\n[${suite}] SKIPPED: ${reason}\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** One skipped placeholder, so the report shows the file was skipped rather than empty. */
export function skipUnreachable(suite: string): void {
  it.skip(`${suite}: Postgres unreachable (see the warning above)`, () => {});
}

let schemaCount = 0;

/** A schema name unique to this test process: `<prefix>_<pid>_<n>`. */
export function testSchema(prefix: string): string {
  schemaCount += 1;
  return `${prefix}_${process.pid}_${schemaCount}`;
}

/** Run `fn` with a short-lived admin connection (outside any store's pool). */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchemas(client: pg.Client, schemas: readonly string[]): Promise<void> {
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
}

/**
 * Drop `<prefix>_<pid>_<n>` schemas whose test process is gone (killed before its cleanup ran).
 * Schemas of live processes are left alone: another test run may be using them right now.
 */
export async function dropStaleSchemas(client: pg.Client, prefix: string): Promise<void> {
  const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", [`${prefix}_`]);
  const stale = rows
    .map((r) => r.nspname)
    .filter((name) => {
      const pid = Number(name.slice(prefix.length + 1).split("_")[0]);
      return Number.isInteger(pid) && pid !== process.pid && !processAlive(pid);
    });
  await dropSchemas(client, stale);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as { code?: unknown }).code === "EPERM";
  }
}

/** `url` with one query parameter set (for example `application_name`). */
export function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}
