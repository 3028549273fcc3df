import { StoreUnavailableError } from "@weft/core";
import { Cluster, Redis } from "ioredis";
import { toStoreError } from "./errors.js";
import { allScripts } from "./lua/all-scripts.js";
import type { LuaScript } from "./lua/lua-script.js";
import { parseRedisUrl } from "./redis-url.js";
import type { RedisTarget } from "./redis-url.js";

export type RedisArg = string | number;

/** Whether Redis keeps its data across a restart, when that could be checked. */
export type RedisPersistence = { known: true; persistent: boolean /** e.g. `appendonly no, save ""` */; detail: string } | { known: false; reason: string };

/** From this many calls awaiting replies, a turn's commands share one socket write (measured: 4). */
const batchWritesFrom = 4;

/** A live pub/sub subscription on its own connection. */
export interface RedisSubscription {
  close(): Promise<void>;
}

/** Pub/sub channels joined and left at will on one dedicated connection (realtime). */
export interface RedisChannelSubscriber {
  /** SUBSCRIBE; resolves once Redis confirms it. */
  add(channel: string): Promise<void>;
  /** UNSUBSCRIBE. */
  remove(channel: string): Promise<void>;
}

export interface RedisConnectionOptions {
  /** How long `init()` may take (connecting and the first reply) before it fails. Default 2 s. */
  connectTimeoutMs?: number;
  /** How long one call may take before it fails as unavailable. Default 5 s. */
  commandTimeoutMs?: number;
}

type ScriptCall = (numberOfKeys: number, ...keysAndArgs: RedisArg[]) => Promise<unknown>;

/**
 * One ioredis client (a `Redis` or a `Cluster`), shared by the stores of one bundle: the narrow port
 * between the stores and the vendor client. The stores see scripts, commands and subscriptions, never
 * ioredis types.
 *
 * `init()` connects once, fails fast (one attempt, a short deadline) and names the URL. After that,
 * a dropped connection is retried with backoff for as long as the stores are open, and a call that
 * gets no reply within a few reconnect attempts or `commandTimeoutMs` fails as
 * `StoreUnavailableError`. Owned by the bundle of `createRedisStores`: its `close()` disconnects.
 */
export class RedisConnection {
  /** The URL with any password redacted: what every error message names. */
  readonly url: string;
  private readonly target: RedisTarget;
  private readonly client: Redis | Cluster;
  private readonly commandTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly subscriptions = new Set<Redis | Cluster>();
  private opening: Promise<void> | undefined;
  /** Set once init has connected: only then may a lost connection be retried. */
  private ready = false;
  private closed = false;
  /** ioredis reports the cause (ECONNREFUSED, …) as an event; the rejection only says "closed". */
  private lastError: Error | undefined;
  /** Calls awaiting their reply, and whether the socket is corked until the turn ends (`batchWrites`). */
  private inFlight = 0;
  private corked = false;
  /** Run once connected, before `init()` resolves, and again after every reconnect (`onConnect`). */
  private readonly connectHooks: ((reconnect: boolean) => Promise<void>)[] = [];

  constructor(url: string, opts: RedisConnectionOptions = {}) {
    this.target = parseRedisUrl(url);
    this.url = this.target.display;
    const connectTimeout = opts.connectTimeoutMs ?? 2_000;
    this.connectTimeoutMs = connectTimeout;
    const commandTimeout = opts.commandTimeoutMs ?? 5_000;
    this.commandTimeoutMs = commandTimeout;
    // Before init has succeeded there is no retry at all, so init fails at once instead of looping.
    const retry = (times: number): number | null => (this.ready && !this.closed ? Math.min(times * 100, 2_000) : null);
    const common = { connectTimeout, commandTimeout, maxRetriesPerRequest: 3, lazyConnect: true } as const;
    if (this.target.kind === "node") {
      this.client = new Redis(this.target.url, { ...common, retryStrategy: retry });
    } else {
      const { nodes, username, password, tls } = this.target;
      this.client = new Cluster(nodes, {
        lazyConnect: true,
        clusterRetryStrategy: retry,
        slotsRefreshTimeout: connectTimeout,
        redisOptions: { connectTimeout, commandTimeout, maxRetriesPerRequest: 3, username, password, ...(tls ? { tls: {} } : {}) },
      });
    }
    for (const script of allScripts) this.client.defineCommand(script.name, { lua: script.lua });
    this.client.on("error", (e: Error) => {
      this.lastError = e;
    });
    // The first "ready" is init's own; later ones are reconnects (a restarted or failed-over Redis).
    this.client.on("ready", () => {
      if (!this.ready || this.closed) return;
      for (const hook of this.connectHooks) hook(true).catch(() => {});
    });
  }

  /**
   * Run `hook` once the connection is open (its rejection fails `init()`) and after every reconnect
   * (where it must report its own failures: they are ignored here). Register before `init()`.
   */
  onConnect(hook: (reconnect: boolean) => Promise<void>): void {
    this.connectHooks.push(hook);
  }

  /**
   * Whether Redis keeps its data across a restart: the append-only file or RDB save points, from
   * `CONFIG GET` on every master. Managed Redis often disables or renames `CONFIG`: then the answer
   * is that it could not be checked, with the reason.
   */
  async persistence(): Promise<RedisPersistence> {
    const nodes = this.client instanceof Cluster ? this.client.nodes("master") : [this.client];
    try {
      const configs = await Promise.all(
        nodes.map(async (node) => {
          const get = async (name: string) => {
            const reply = await this.bounded(node.call("CONFIG", "GET", name), `CONFIG GET ${name}`);
            return Array.isArray(reply) && typeof reply[1] === "string" ? reply[1] : "";
          };
          return { appendonly: (await get("appendonly")) === "yes", save: (await get("save")).trim() };
        }),
      );
      // A cluster is as durable as its least durable master.
      const weakest = configs.find((c) => !c.appendonly && c.save === "") ?? configs[0] ?? { appendonly: false, save: "" };
      const detail = `appendonly ${weakest.appendonly ? "yes" : "no"}, save "${weakest.save}"`;
      return { known: true, persistent: weakest.appendonly || weakest.save !== "", detail };
    } catch (e) {
      return { known: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Disconnect the client and every subscription; a second call does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => quit(s)));
    this.subscriptions.clear();
    await quit(this.client);
  }

  /** Connect, once for all the stores sharing this connection. */
  init(): Promise<void> {
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<void> {
    const label = this.target.kind === "cluster" ? "Redis Cluster" : "Redis";
    let timer: NodeJS.Timeout | undefined;
    try {
      // A server that accepts the connection but never answers would otherwise hold init for the
      // ready check's and the command's timeouts together.
      const silent = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      });
      const connect = async () => {
        if (this.client.status === "wait") await this.client.connect();
        await this.client.ping();
      };
      await Promise.race([connect(), silent]);
    } catch (e) {
      this.client.disconnect();
      const cause = this.lastError ?? e;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new StoreUnavailableError(`cannot reach ${label} at ${this.url}: ${reason}`, { cause });
    } finally {
      clearTimeout(timer);
    }
    try {
      for (const hook of this.connectHooks) await hook(false);
    } catch (e) {
      this.client.disconnect();
      throw e;
    }
    this.ready = true;
  }

  /**
   * Run a script. Every key it touches must be in `keys` or derived from them inside the script with
   * the same hash tag, so a cluster routes it by its first key and runs it on one slot.
   */
  async script(def: LuaScript, keys: readonly string[], args: readonly RedisArg[] = []): Promise<unknown> {
    const call = (this.client as unknown as Record<string, ScriptCall>)[def.name];
    if (call === undefined) throw new Error(`script ${def.name} is not in lua/all-scripts.ts`);
    this.batchWrites();
    return this.bounded(call.call(this.client, keys.length, ...keys, ...args), `${def.name} on ${keys[0] ?? "no key"}`);
  }

  /** One plain command; a cluster routes it by its key. */
  async command(name: string, args: readonly RedisArg[]): Promise<unknown> {
    this.batchWrites();
    return this.bounded(this.client.call(name, ...args), `${name} ${String(args[0] ?? "")}`);
  }

  /**
   * Under load, the commands of one event-loop turn leave in one socket write. A write is a system
   * call that wakes Redis (a quarter of the engine's CPU went to them in the Redis throughput
   * profile); corking the socket until the turn ends sends them together. Only with a few calls
   * already awaiting replies: an idle engine writes at once, since a lone command pays for the
   * cork's vectored write and gains nothing. A cluster routes each command to a node's socket
   * inside ioredis, so it is left as it is.
   */
  private batchWrites(): void {
    if (this.corked || this.inFlight < batchWritesFrom || this.client instanceof Cluster) return;
    const stream = this.client.stream as { cork(): void; uncork(): void; writable?: boolean } | undefined;
    if (!stream?.writable) return;
    stream.cork();
    this.corked = true;
    setImmediate(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  /**
   * A call's reply, or `StoreUnavailableError` once `commandTimeoutMs` has passed. ioredis's own
   * `commandTimeout` only starts when a command reaches a node; a cluster that lost every node keeps
   * commands in its offline queue for as long as it reconnects, so the deadline is kept here too. A
   * call given up on may still run once Redis is back: every write here is idempotent or fenced.
   */
  private async bounded(reply: Promise<unknown>, what: string): Promise<unknown> {
    this.inFlight++;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${this.commandTimeoutMs} ms`)), this.commandTimeoutMs);
    });
    try {
      return await Promise.race([reply, deadline]);
    } catch (e) {
      throw toStoreError(e, this.url, what);
    } finally {
      this.inFlight--;
      clearTimeout(timer);
    }
  }

  /**
   * Subscribe to a channel on a dedicated connection (a subscribed connection can run nothing else).
   * Best effort: wakeups only shorten a wait that polling bounds anyway, so its connection errors
   * are swallowed, and ioredis resubscribes after a reconnect. A closed connection opens nothing new.
   */
  subscribe(channel: string, onMessage: (message: string) => void): RedisSubscription {
    if (this.closed) return { close: async () => {} };
    const sub = this.client.duplicate();
    this.subscriptions.add(sub);
    sub.on("error", () => {});
    sub.on("message", (from: string, message: string) => {
      if (from === channel) onMessage(message);
    });
    sub.subscribe(channel).catch(() => {});
    return {
      close: async () => {
        if (this.subscriptions.delete(sub)) await quit(sub);
      },
    };
  }

  /**
   * A dedicated connection whose channels change over time, opened on the first `add`. Unlike
   * `subscribe`, joining is awaited (realtime promises delivery from the moment a subscription
   * resolves); ioredis rejoins every channel after a reconnect. Closed with this connection.
   */
  channelSubscriber(onMessage: (channel: string, message: string) => void): RedisChannelSubscriber {
    let sub: Redis | Cluster | undefined;
    const open = (): Redis | Cluster => {
      if (this.closed) throw new StoreUnavailableError(`the connection to ${this.url} is closed`);
      if (sub === undefined) {
        sub = this.client.duplicate();
        this.subscriptions.add(sub);
        sub.on("error", () => {});
        sub.on("message", (channel: string, message: string) => onMessage(channel, message));
      }
      return sub;
    };
    return {
      add: async (channel) => {
        await this.bounded(open().subscribe(channel), `SUBSCRIBE ${channel}`);
      },
      remove: async (channel) => {
        if (sub === undefined || this.closed) return;
        await this.bounded(sub.unsubscribe(channel), `UNSUBSCRIBE ${channel}`);
      },
    };
  }
}

/** Close politely when connected (pending replies arrive first), at once otherwise. */
async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  await client.quit().then(
    () => undefined,
    () => client.disconnect(),
  );
}
