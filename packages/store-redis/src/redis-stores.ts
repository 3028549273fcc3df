import type { Clock, StateBundle } from "@weft/store";
import { KeyLayout } from "./keys.js";
import { RedisConnection } from "./redis-connection.js";
import type { RedisConnectionOptions } from "./redis-connection.js";
import { watchDurability, type RedisDurabilityOptions } from "./redis-durability.js";
import { RedisFlowStore } from "./redis-flow-store.js";
import { RedisPauseStore } from "./redis-pause-store.js";
import { RedisQueue } from "./redis-queue.js";
import { RedisRealtimeBus } from "./redis-realtime-bus.js";
import { RedisRunStateStore } from "./redis-run-state-store.js";
import { parseRedisUrl } from "./redis-url.js";

export interface RedisStoresOptions extends RedisConnectionOptions, RedisDurabilityOptions {
  clock?: Clock;
  /** How long a dequeued or dropped job id stays refused; default `defaultDedupeWindowMs` (24 h). */
  dedupeWindowMs?: number;
  /**
   * Put before every key and the wakeup channel: the URL's `?keyPrefix=` when this is not given,
   * else `weft:`. No braces (they are hash tags).
   */
  keyPrefix?: string;
  /** `--retention-runs`: finished runs' keys expire this long after they end (`RedisRunStateStore`). */
  finishedRunTtlMs?: number;
}

/**
 * Run state, pauses, queue and flow control on one Redis connection, which the bundle owns (the
 * registry and history stay in the SQL database): `redis://host:port[/db]` for one node,
 * `redis-cluster://host:port,host:port,…` for a Redis Cluster (either may end in `?keyPrefix=…`).
 * Nothing connects until `init()`, which fails fast, naming the URL, when Redis cannot be reached,
 * and checks that Redis keeps its data across a restart (`opts.persistence`, `redis-durability.ts`).
 * `close()` disconnects it and the queue's subscription.
 */
export function createRedisStores(url: string, opts: RedisStoresOptions = {}): StateBundle {
  const layout = new KeyLayout(opts.keyPrefix ?? parseRedisUrl(url).keyPrefix); // a bad prefix fails before connecting
  const keyPrefix = layout.prefix;
  const conn = new RedisConnection(url, { connectTimeoutMs: opts.connectTimeoutMs, commandTimeoutMs: opts.commandTimeoutMs });
  watchDurability(conn, layout.epoch(), { persistence: opts.persistence, warn: opts.warn });
  return {
    state: new RedisRunStateStore(conn, { clock: opts.clock, keyPrefix, finishedRunTtlMs: opts.finishedRunTtlMs }),
    pauses: new RedisPauseStore(conn, { keyPrefix }),
    queue: new RedisQueue(conn, { clock: opts.clock, dedupeWindowMs: opts.dedupeWindowMs, keyPrefix }),
    flow: new RedisFlowStore(conn, { clock: opts.clock, keyPrefix }),
    realtime: new RedisRealtimeBus(conn, { keyPrefix }),
    init: () => conn.init(),
    close: () => conn.close(),
  };
}
