import type { Lease, Queue, QueueItem, QueueKindStats } from "@weft/store";
import { onEveryShard, shardOf } from "./shard-layout.js";
import type { ShardLayout } from "./shard-layout.js";

/** The key a queue item is placed by: its run, so a run's jobs sit with its state; else its own id. */
export function queuePlacementKey(item: Pick<QueueItem, "id" | "runId">): string {
  return item.runId ?? item.id;
}

/**
 * `Queue` spread over shards. An item goes to the shard of its run id (an `event` job, which has no
 * run, to the shard of its own id). A job id always maps to one shard, so each shard's own dedupe
 * refuses a seen id exactly as one queue would; `dropRun` asks the run's shard only.
 *
 * Leasing asks the shards one after another, each for what the limit still allows, starting one shard
 * further on at every call, so no shard's work waits behind another's. Asking them in turn rather
 * than at once never leases more than `limit` (a lease cannot be handed back unchanged).
 * Order, as a consequence: oldest first within a tenant and round-robin across tenants hold within
 * each shard; across shards a tenant's items come shard by shard in that rotating order.
 *
 * Tokens carry their shard: `<shard index>/<the shard's own token>`. The shard's token is kept whole
 * after the `/`, so `leaseTokenItemId` still reads the item id from it; the rest of a shard's lease
 * (its `deliveries`, its expiry) is handed on unchanged.
 */
export class ShardedQueue implements Queue {
  private nextStart = 0;

  constructor(private readonly layout: ShardLayout) {}

  enqueue(item: QueueItem): Promise<boolean> {
    return shardOf(this.layout, queuePlacementKey(item)).queue.enqueue(item);
  }

  /** Each shard's items in one call to it, the shards at once; answers in the caller's order. */
  async enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    const byShard = new Map<number, number[]>();
    for (const [i, item] of items.entries()) {
      const index = this.layout.ring.ownerOf(queuePlacementKey(item));
      const at = byShard.get(index);
      if (at) at.push(i);
      else byShard.set(index, [i]);
    }
    const answers = new Array<boolean>(items.length).fill(false);
    await Promise.all(
      [...byShard].map(async ([index, at]) => {
        const shard = this.layout.shards[index] as (typeof this.layout.shards)[number];
        const added = await shard.queue.enqueueMany(at.map((i) => items[i] as QueueItem));
        for (const [k, i] of at.entries()) answers[i] = added[k] === true;
      }),
    );
    return answers;
  }

  async enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined> {
    const index = this.layout.ring.ownerOf(queuePlacementKey(item));
    const lease = await (this.layout.shards[index] as (typeof this.layout.shards)[number]).queue.enqueueLeased(item, opts);
    return lease === undefined ? undefined : { ...lease, token: shardToken(index, lease.token) };
  }

  async lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
    const { shards } = this.layout;
    const start = this.nextStart;
    this.nextStart = (start + 1) % shards.length;
    const leased: Lease[] = [];
    for (let i = 0; i < shards.length && leased.length < opts.limit; i++) {
      const index = (start + i) % shards.length;
      const got = await (shards[index] as (typeof shards)[number]).queue.lease({ ...opts, limit: opts.limit - leased.length });
      for (const lease of got) leased.push({ ...lease, token: shardToken(index, lease.token) });
    }
    return leased;
  }

  async extend(token: string, now: number, leaseMs: number): Promise<boolean> {
    const held = this.unwrap(token);
    return held === undefined ? false : held.queue.extend(held.token, now, leaseMs);
  }

  async requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean> {
    const held = this.unwrap(token);
    return held === undefined ? false : held.queue.requeue(held.token, update);
  }

  async dequeue(token: string): Promise<boolean> {
    const held = this.unwrap(token);
    return held === undefined ? false : held.queue.dequeue(held.token);
  }

  dropRun(runId: string): Promise<void> {
    return shardOf(this.layout, runId).queue.dropRun(runId);
  }

  async nextAvailableAt(now: number): Promise<number | undefined> {
    const each = await onEveryShard(this.layout, (s) => s.queue.nextAvailableAt(now));
    return each.reduce<number | undefined>((min, at) => (at !== undefined && (min === undefined || at < min) ? at : min), undefined);
  }

  async size(): Promise<number> {
    const each = await onEveryShard(this.layout, (s) => s.queue.size());
    return each.reduce((sum, n) => sum + n, 0);
  }

  async statsByKind(now: number): Promise<QueueKindStats[]> {
    const byKind = new Map<string, QueueKindStats>();
    for (const shard of await onEveryShard(this.layout, (s) => s.queue.statsByKind(now))) {
      for (const { kind, depth, oldestDueAt } of shard) {
        const sum = byKind.get(kind) ?? { kind, depth: 0, oldestDueAt: undefined };
        sum.depth += depth;
        if (oldestDueAt !== undefined && (sum.oldestDueAt === undefined || oldestDueAt < sum.oldestDueAt)) sum.oldestDueAt = oldestDueAt;
        byKind.set(kind, sum);
      }
    }
    return [...byKind.values()];
  }

  subscribe(listener: (availableAt: number) => void): () => void {
    const unsubscribes = this.layout.shards.map((s) => s.queue.subscribe(listener));
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }

  /** The shard's queue and its own token, or undefined for a token this queue did not hand out. */
  private unwrap(token: string): { queue: Queue; token: string } | undefined {
    const parsed = parseShardToken(token);
    const shard = parsed === undefined ? undefined : this.layout.shards[parsed.index];
    return shard === undefined || parsed === undefined ? undefined : { queue: shard.queue, token: parsed.token };
  }
}

function shardToken(index: number, token: string): string {
  return `${index}/${token}`;
}

function parseShardToken(token: string): { index: number; token: string } | undefined {
  const match = /^(\d{1,4})\/(.+)$/s.exec(token);
  if (match === null) return undefined;
  return { index: Number(match[1]), token: match[2] as string };
}
