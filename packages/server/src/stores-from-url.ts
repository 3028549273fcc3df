import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InvalidInputError, isWeftError, StoreUnavailableError } from "@weft/core";
import { closeStores, createMemoryStores, type StateBundle, type StoreBundle } from "@weft/store";
import { createPostgresStores } from "@weft/store-postgres";
import { createCachedStores, createShardedStores, type CacheStats } from "@weft/store-layers";
import { createRedisStores } from "@weft/store-redis";
import { createRemoteStores } from "@weft/store-remote";
import { createSqliteStores } from "@weft/store-sqlite";

export interface StoreConfig {
  /** The registry (apps, functions) and history (events, runs); and, unless `state` is given, everything else. */
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
  /**
   * `--retention-runs`: a Redis `--state` also expires a finished run's keys this long after it
   * ends, a safety net under the retention sweep (which deletes them through the history).
   */
  finishedRunTtlMs?: number;
}

/** The opened stores, with cache statistics when a cache wraps them. */
export type OpenedStores = StoreBundle & { cacheStats?: () => CacheStats };

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

function postgresStores(url: string): StoreBundle {
  const { url: plain, value: schema } = takeParam(url, "schema");
  return createPostgresStores(plain, { schema });
}

/** Every store on one backend: the `--db` URL. */
function fromDb(url: string): StoreBundle {
  if (url === "memory:" || url === "memory") return createMemoryStores();
  if (url.startsWith("sqlite:")) return createSqliteStores(sqlitePath(url));
  if (isPostgres(url)) return postgresStores(url);
  throw new InvalidInputError(`unsupported --db "${redactUrl(url)}": use sqlite:PATH, postgres://… or memory:`);
}

/** Run state, pauses, queue and flow of one `--state` URL, not yet initialised. */
export function openStateUrl(url: string): StateBundle {
  return fromState(url);
}

/** Run state, pauses, queue and flow: the `--state` URL. */
function fromState(url: string, redisPersistence?: "require" | "warn", finishedRunTtlMs?: number): StateBundle {
  // `?keyPrefix=` is read by the Redis store itself.
  if (/^redis(-cluster)?:\/\//.test(url)) return createRedisStores(url, { persistence: redisPersistence, finishedRunTtlMs });
  // A state coordinator (`weft coordinator`); the token may ride in the URL as weft://weft:TOKEN@host:port,
  // and weft+tls://…?ca=FILE&cert=FILE&key=FILE reaches one serving TLS.
  if (url.startsWith("weft://") || url.startsWith("weft+tls://")) return createRemoteStores(url);
  // A whole backend's bundle: its registry and history go unused (they share its one connection).
  if (url === "memory:" || url === "memory" || url.startsWith("sqlite:") || isPostgres(url)) return fromDb(url);
  throw new InvalidInputError(
    `unsupported --state "${redactUrl(url)}": use redis://, redis-cluster://, postgres://, weft://, weft+tls://, sqlite:PATH or memory:`,
  );
}

/** One `--state` URL or a sharded list of them (the flow store stays unsharded, on the first). */
export function openStateLayout(state: string, redisPersistence?: "require" | "warn", finishedRunTtlMs?: number): StateBundle {
  const urls = splitStateUrls(state);
  if (urls.length === 1) return fromState(urls[0] ?? state, redisPersistence, finishedRunTtlMs);
  const shards = urls.map((url) => fromState(url, redisPersistence, finishedRunTtlMs));
  return createShardedStores(shards, { flow: (shards[0] as StateBundle).flow });
}

/**
 * The `--db` bundle's registry and history with `live`'s state, pauses, queue and flow. `owners`
 * are the bundles whose connections these are: `init()` and `close()` reach each of them once.
 */
function combine(db: StoreBundle, live: StateBundle, owners: StateBundle[], realtime: StoreBundle["realtime"]): StoreBundle {
  return {
    realtime,
    registry: db.registry,
    history: db.history,
    state: live.state,
    pauses: live.pauses,
    queue: live.queue,
    flow: live.flow,
    init: async () => {
      await Promise.all(owners.map((o) => o.init()));
    },
    close: async () => {
      await Promise.all(owners.map((o) => o.close()));
    },
  };
}

/**
 * Stores from configuration. Backends and layers plug in here, never in the engine. A backend that
 * cannot be reached fails with one message naming its URL (password redacted).
 */
export async function openStores(config: StoreConfig | string): Promise<OpenedStores> {
  const { db, state, cacheMb, redisPersistence, finishedRunTtlMs } = typeof config === "string" ? ({ db: config } as StoreConfig) : config;
  const base = fromDb(db);
  const own = state !== undefined && state !== db ? openStateLayout(state, redisPersistence, finishedRunTtlMs) : undefined;
  const cached = cacheMb !== undefined && cacheMb > 0 ? createCachedStores(own ?? base, { maxBytes: Math.floor(cacheMb * 1024 * 1024) }) : undefined;
  // The cache's lifecycle is that of the bundle it wraps: it stands in for it as an owner.
  const live = cached ?? own;
  // Realtime fans out over the state backend when it has a bus (Redis), else over the database's (Postgres).
  const realtime = own?.realtime ?? base.realtime;
  const stores: OpenedStores = live === undefined ? base : combine(base, live, own === undefined ? [live] : [base, live], realtime);
  if (cached !== undefined) stores.cacheStats = cached.cacheStats;
  try {
    await stores.init();
  } catch (e) {
    await closeStores(stores).catch(() => {});
    // Backends name their own URL in StoreUnavailableError; anything else gets it added.
    if (isWeftError(e, StoreUnavailableError)) throw e;
    throw new StoreUnavailableError(`cannot open the store at ${redactUrl(state ?? db)}: ${(e as Error).message}`, { cause: e });
  }
  return stores;
}

export { closeStores };
