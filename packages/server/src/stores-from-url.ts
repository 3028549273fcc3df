import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InvalidInputError, isWeftError, StoreUnavailableError } from "@weft/core";
import { closeStores, createMemoryStores, type Stores } from "@weft/store";
import { createPostgresStores } from "@weft/store-postgres";
import { createCachedStores, createShardedStores, type CacheStats } from "@weft/store-layers";
import { createRedisStores } from "@weft/store-redis";
import { createRemoteStores } from "@weft/store-remote";
import { createSqliteStores } from "@weft/store-sqlite";

export interface StoreConfig {
  /** Apps, functions, events and run history; and, unless `state` is given, everything else. */
  db: string;
  /**
   * Run state, pauses and queue, when they live elsewhere (redis://, redis-cluster://, postgres://,
   * sqlite:, memory:). Several comma-separated URLs shard runs across them by run id.
   */
  state?: string;
  /** Cache immutable run data (events, step outputs) in this many MB. */
  cacheMb?: number;
  /** A Redis `--state` without persistence: refuse it (`weft start`) or warn (default). */
  redisPersistence?: "require" | "warn";
}

/** The opened stores, with cache statistics when a cache wraps them. */
export type OpenedStores = Stores & { cacheStats?: () => CacheStats };

/** Split a `--state` list: a comma starts a new URL only before a scheme (cluster URLs hold commas too). */
export function splitStateUrls(state: string): string[] {
  return state.split(/,(?=(?:[a-z][a-z0-9+.-]*:\/\/|sqlite:|memory:?))/i).filter((u) => u !== "");
}

/** A URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

function sqlitePath(url: string): string {
  const path = url.slice("sqlite:".length).replace(/^\/\//, "");
  if (path === "") throw new InvalidInputError(`"${url}" names no file: use sqlite:PATH`);
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  return path;
}

const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url);

/**
 * Split Weft's own query parameter off a backend URL (`?schema=` for Postgres), so several
 * deployments or tests can share one server.
 */
function takeParam(url: string, name: string): { url: string; value: string | undefined } {
  const at = url.indexOf("?");
  if (at < 0) return { url, value: undefined };
  const params = new URLSearchParams(url.slice(at + 1));
  const value = params.get(name) ?? undefined;
  params.delete(name);
  const rest = params.toString();
  return { url: url.slice(0, at) + (rest ? `?${rest}` : ""), value };
}

function postgresStores(url: string): Stores {
  const { url: plain, value: schema } = takeParam(url, "schema");
  return createPostgresStores(plain, { schema });
}

/** All four stores on one backend: the `--db` URL. */
function fromDb(url: string): Stores {
  if (url === "memory:" || url === "memory") return createMemoryStores();
  if (url.startsWith("sqlite:")) return createSqliteStores(sqlitePath(url));
  if (isPostgres(url)) return postgresStores(url);
  throw new InvalidInputError(`unsupported --db "${redactUrl(url)}": use sqlite:PATH, postgres://… or memory:`);
}

/** Run state, pauses and queue (and flow) of one `--state` URL, not yet initialised. */
export function openStateUrl(url: string): Omit<Stores, "history"> {
  return fromState(url);
}

/** Run state, pauses and queue: the `--state` URL. */
function fromState(url: string, redisPersistence?: "require" | "warn"): Omit<Stores, "history"> {
  // `?keyPrefix=` is read by the Redis store itself.
  if (/^redis(-cluster)?:\/\//.test(url)) return createRedisStores(url, { persistence: redisPersistence });
  // A state coordinator (`weft coordinator`); the token may ride in the URL as weft://weft:TOKEN@host:port.
  // Every backend Weft hosts has a flow store, so the coordinator does too.
  if (url.startsWith("weft://")) return createRemoteStores(url, { flow: true });
  if (url === "memory:" || url === "memory" || url.startsWith("sqlite:") || isPostgres(url)) {
    const { history, ...rest } = fromDb(url);
    void history.close();
    return rest;
  }
  throw new InvalidInputError(`unsupported --state "${redactUrl(url)}": use redis://, redis-cluster://, postgres://, weft://, sqlite:PATH or memory:`);
}

/** One `--state` URL or a sharded list of them (the flow store stays unsharded, on the first). */
export function openStateLayout(state: string, redisPersistence?: "require" | "warn"): Omit<Stores, "history"> {
  const urls = splitStateUrls(state);
  if (urls.length === 1) return fromState(urls[0] ?? state, redisPersistence);
  const shards = urls.map((url) => fromState(url, redisPersistence));
  return createShardedStores(shards, { flow: shards[0]?.flow });
}

/**
 * Stores from configuration. Backends and layers plug in here, never in the engine. A backend that
 * cannot be reached fails with one message naming its URL (password redacted).
 */
export async function openStores(config: StoreConfig | string): Promise<OpenedStores> {
  const { db, state, cacheMb, redisPersistence } = typeof config === "string" ? { db: config } as StoreConfig : config;
  const base = fromDb(db);
  let stores: OpenedStores = base;
  if (state !== undefined && state !== db) {
    await Promise.all([base.state.close(), base.pauses.close(), base.queue.close(), base.flow?.close()]);
    stores = { ...openStateLayout(state, redisPersistence), history: base.history };
  }
  if (cacheMb !== undefined && cacheMb > 0) {
    const { history, ...inner } = stores;
    stores = { ...createCachedStores(inner, { maxBytes: Math.floor(cacheMb * 1024 * 1024) }), history };
  }
  try {
    await Promise.all([stores.state.init(), stores.pauses.init(), stores.queue.init(), stores.history.init(), stores.flow?.init()]);
  } catch (e) {
    await closeStores(stores).catch(() => {});
    // Backends name their own URL in StoreUnavailableError; anything else gets it added.
    if (isWeftError(e, StoreUnavailableError)) throw e;
    throw new StoreUnavailableError(`cannot open the store at ${redactUrl(state ?? db)}: ${(e as Error).message}`, { cause: e });
  }
  return stores;
}

export { closeStores };
