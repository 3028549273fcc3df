import { randomBytes, randomUUID } from "node:crypto";
import { defaultDedupeWindowMs, firstLease, leaseTokenItemId, systemClock } from "@weft/store";
import type { Clock, Lease, Queue, QueueItem, QueueKindStats } from "@weft/store";
import { KeyLayout } from "./keys.js";
import type { QueueKeys } from "./keys.js";
import * as lua from "./lua/queue-scripts.js";
import type { RedisConnection, RedisSubscription } from "./redis-connection.js";
import { replyArray, replyNumber, replyString, replyStrings } from "./redis-replies.js";

/**
 * `Queue` on Redis: the whole queue sits under one hash tag, `{<prefix>q}`, so every operation
 * (enqueue with its dedupe check, a fair lease across tenants, a fenced dequeue, a run's drop) is one
 * atomic Lua script on one slot, on a single node or a cluster alike. The layout is described in
 * `lua/queue-scripts.ts` and in the README, with why the queue is not partitioned.
 *
 * Time comes from the callers (`now` in lease, extend, nextAvailableAt) and from the injected clock
 * (dedupe windows), never from the Redis server's clock.
 *
 * Wakeups: each enqueue and requeue PUBLISHes `<origin> <availableAt>` in its script. Listeners hear
 * this process's own enqueues synchronously, as with the other queues, and other processes' through
 * a subscription on a dedicated connection, opened with the first `subscribe`.
 */
export class RedisQueue implements Queue {
  private readonly clock: Clock;
  private readonly dedupeWindowMs: number;
  private readonly keys: QueueKeys;
  /** Tells this queue's own wakeups (already heard locally) from other processes'. */
  private readonly origin = randomUUID();
  private readonly listeners = new Set<(availableAt: number) => void>();
  private subscription: RedisSubscription | undefined;

  constructor(
    private readonly conn: RedisConnection,
    opts: { clock?: Clock; dedupeWindowMs?: number; keyPrefix?: string } = {},
  ) {
    this.keys = new KeyLayout(opts.keyPrefix).queue();
    this.clock = opts.clock ?? systemClock;
    this.dedupeWindowMs = opts.dedupeWindowMs ?? defaultDedupeWindowMs;
  }

  async enqueue(item: QueueItem): Promise<boolean> {
    const added = await this.insert(item, undefined);
    if (added) this.notify(item.availableAt);
    return added;
  }

  /**
   * One `enqueue` script per item, all sent at once (a turn's commands share a socket write), in
   * order, so a repeated id is refused by the script of the item before it.
   */
  async enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    const added = await Promise.all(items.map((item) => this.insert(item, undefined)));
    for (const [i, item] of items.entries()) if (added[i]) this.notify(item.availableAt);
    return added;
  }

  async enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined> {
    const lease = firstLease(item, opts);
    return (await this.insert(item, lease)) ? lease : undefined;
  }

  /** One `enqueue` script: the item queued (and published), or leased when `leased` is given. */
  private async insert(item: QueueItem, leased: { token: string; expiresAt: number } | undefined): Promise<boolean> {
    const { availableAt, attempt, ...rest } = item;
    const added = await this.conn.script(
      lua.enqueue,
      [this.keys.base],
      [
        item.id,
        item.tenant,
        item.runId ?? "",
        JSON.stringify(rest),
        availableAt,
        attempt,
        this.clock.now(),
        this.keys.channel,
        this.wakeup(availableAt),
        leased?.token ?? "",
        leased?.expiresAt ?? "",
        item.kind,
      ],
    );
    return added === 1;
  }

  async lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
    const { now, leaseMs, limit } = opts;
    if (limit <= 0) return [];
    const seed = randomBytes(4).readUInt32BE(0);
    const reply = replyArray(await this.conn.script(lua.lease, [this.keys.base], [now, leaseMs, limit, seed]), "lease");
    const expiresAt = now + leaseMs;
    return reply.map((row): Lease => {
      const [body, availableAt, attempt, token, deliveries] = replyArray(row, "lease");
      const item: QueueItem = {
        ...(JSON.parse(replyString(body, "lease")) as Omit<QueueItem, "availableAt" | "attempt">),
        availableAt: replyNumber(availableAt, "lease"),
        attempt: replyNumber(attempt, "lease"),
      };
      return { item, token: replyString(token, "lease"), deliveries: replyNumber(deliveries, "lease"), expiresAt };
    });
  }

  async extend(token: string, now: number, leaseMs: number): Promise<boolean> {
    const id = leaseTokenItemId(token);
    if (id === undefined) return false;
    return (await this.conn.script(lua.extend, [this.keys.base], [id, token, now + leaseMs])) === 1;
  }

  async requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean> {
    const id = leaseTokenItemId(token);
    if (id === undefined) return false;
    const done = await this.conn.script(
      lua.requeue,
      [this.keys.base],
      [id, token, update.availableAt, update.attempt, this.keys.channel, this.wakeup(update.availableAt)],
    );
    if (done !== 1) return false;
    this.notify(update.availableAt);
    return true;
  }

  async dequeue(token: string): Promise<boolean> {
    const id = leaseTokenItemId(token);
    if (id === undefined) return false;
    const until = this.clock.now() + this.dedupeWindowMs;
    return (await this.conn.script(lua.dequeue, [this.keys.base], [id, token, until])) === 1;
  }

  async dropRun(runId: string): Promise<void> {
    await this.conn.script(lua.dropRun, [this.keys.base], [runId, this.clock.now() + this.dedupeWindowMs]);
  }

  async nextAvailableAt(now: number): Promise<number | undefined> {
    const at = await this.conn.script(lua.nextAvailableAt, [this.keys.base], [now]);
    return at === null ? undefined : replyNumber(at, "nextAvailableAt");
  }

  /** Items of the unleased due set read at most per scrape while looking for each kind's oldest. */
  private static readonly statsWalkLimit = 5000;

  async statsByKind(now: number): Promise<QueueKindStats[]> {
    const flat = replyStrings(await this.conn.script(lua.statsByKind, [this.keys.base], [now, RedisQueue.statsWalkLimit]), "statsByKind");
    const out: QueueKindStats[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      const oldest = flat[i + 2];
      out.push({ kind: flat[i] as string, depth: Number(flat[i + 1]), oldestDueAt: oldest === "" || oldest === undefined ? undefined : Number(oldest) });
    }
    return out;
  }

  async size(): Promise<number> {
    return replyNumber(await this.conn.script(lua.size, [this.keys.base]), "size");
  }

  subscribe(listener: (availableAt: number) => void): () => void {
    this.listeners.add(listener);
    // The connection ends this subscription when the bundle closes (and opens none after that).
    this.subscription ??= this.conn.subscribe(this.keys.channel, (message) => this.onWakeup(message));
    return () => {
      this.listeners.delete(listener);
    };
  }

  private wakeup(availableAt: number): string {
    return `${this.origin} ${availableAt}`;
  }

  /** A wakeup from any process; this queue's own were already heard when its call returned. */
  private onWakeup(message: string): void {
    const space = message.indexOf(" ");
    if (space < 0 || message.slice(0, space) === this.origin) return;
    const availableAt = Number(message.slice(space + 1));
    if (!Number.isNaN(availableAt)) this.notify(availableAt);
  }

  /** A listener's failure must not fail the enqueue, which has already happened. */
  private notify(availableAt: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(availableAt);
      } catch {
        // ignored on purpose: see above
      }
    }
  }
}
