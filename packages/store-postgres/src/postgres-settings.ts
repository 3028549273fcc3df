import { InvalidInputError } from "@weft/core";
import pg from "pg";

export const defaultSchema = "weft";
export const defaultPoolSize = 10;
/** Short, so a wrong URL fails `init()` in seconds rather than hanging a server's start. */
export const defaultConnectTimeoutMs = 5_000;

/**
 * Schema names are restricted to plain identifiers so they can be quoted without escaping and so
 * the queue's channel (`<schema>.queue`) stays inside Postgres's 63-byte identifier limit.
 */
const schemaPattern = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

export function checkSchemaName(schema: string): string {
  if (!schemaPattern.test(schema)) {
    throw new InvalidInputError(
      `postgres schema name ${JSON.stringify(schema)} is not allowed: use letters, digits and _ (at most 50, not starting with a digit)`,
    );
  }
  return schema;
}

export function checkPoolSize(poolSize: number): number {
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new InvalidInputError(`postgres pool size must be a positive integer, got ${poolSize}`);
  }
  return poolSize;
}

/** The URL's `connect_timeout` (seconds, as libpq spells it), else the default. */
export function connectTimeoutMs(url: string): number {
  try {
    const seconds = Number(new URL(url).searchParams.get("connect_timeout") ?? Number.NaN);
    if (Number.isFinite(seconds) && seconds > 0) return seconds * 1_000;
  } catch {
    // an unparsable URL is reported by pg itself when it connects
  }
  return defaultConnectTimeoutMs;
}

/**
 * Parse `bigint` as a JS number: every bigint here is a millisecond time, a count or a sequence
 * number, all far below 2^53. Per pool, not through pg's global `types`, so other users of pg in
 * the same process keep their parsers.
 */
function typeParsers(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  return types;
}

/**
 * Settings shared by the pool and the dedicated LISTEN client. Parameters in the URL (for example
 * `application_name` or `sslmode`) take precedence over these: pg merges the parsed URL last.
 */
export function clientConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs(url),
    application_name: "weft",
    keepAlive: true,
    types: typeParsers(),
  };
}

export function poolConfig(url: string, poolSize: number): pg.PoolConfig {
  return { ...clientConfig(url), max: checkPoolSize(poolSize), idleTimeoutMillis: 30_000 };
}
