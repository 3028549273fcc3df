import { systemClock } from "../clock.js";
import type { Clock } from "../clock.js";
import { encodeLeaseToken, leaseTokenItemId } from "../lease-token.js";
import { defaultDedupeWindowMs } from "../queue.js";
import type { Lease, Queue, QueueItem, QueueKindStats } from "../queue.js";
import { fairOrder } from "../fair-order.js";

interface Entry {
  item: QueueItem;
  /** Enqueue order, the tie-break after `readyAt`. */
  seq: number;
  /** When it can be leased: `availableAt`, or the expiry of its current lease. */
  readyAt: number;
  leaseCount: number;
  /** The token of its current lease, if any (live or expired). */
  token?: string;
}

/**
 * The reference `Queue`. Leases are fenced by keeping the handed-out token per item; dequeued and
 * dropped ids are kept (in dequeue order) until their dedupe window passes, and pruned lazily.
 */
export class MemoryQueue implements Queue {
  private readonly items = new Map<string, Entry>();
  private readonly byRun = new Map<string, Set<string>>();
  /** Item count per tenant; a tenant leaves `lastServed` when it has none. */
  private readonly tenantItems = new Map<string, number>();
  private readonly lastServed = new Map<string, number>();
  private serveCount = 0;
  private seq = 0;
  /** Id → time until which it is refused, in insertion (≈ time) order. */
  private readonly refused = new Map<string, number>();
  private readonly listeners = new Set<(availableAt: number) => void>();
  private readonly clock: Clock;
  private readonly dedupeWindowMs: number;

  constructor(opts: { clock?: Clock; dedupeWindowMs?: number } = {}) {
    this.clock = opts.clock ?? systemClock;
    this.dedupeWindowMs = opts.dedupeWindowMs ?? defaultDedupeWindowMs;
  }

  async enqueue(item: QueueItem): Promise<boolean> {
    const entry = this.insert(item);
    if (entry === undefined) return false;
    this.notify(entry.item.availableAt);
    return true;
  }

  async enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    const added = items.map((item) => this.insert(item));
    for (const entry of added) if (entry !== undefined) this.notify(entry.item.availableAt);
    return added.map((entry) => entry !== undefined);
  }

  async enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined> {
    const entry = this.insert(item);
    return entry === undefined ? undefined : this.grant(entry, opts.now, opts.leaseMs);
  }

  async lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
    const ready = new Map<string, Entry[]>();
    for (const entry of this.items.values()) {
      if (entry.readyAt > opts.now) continue;
      const list = ready.get(entry.item.tenant) ?? [];
      list.push(entry);
      ready.set(entry.item.tenant, list);
    }
    for (const list of ready.values()) list.sort((a, b) => a.readyAt - b.readyAt || a.seq - b.seq);
    const tenants = [...ready.keys()].sort((a, b) => (this.lastServed.get(a) ?? 0) - (this.lastServed.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
    return fairOrder(tenants, ready, opts.limit).map((entry) => this.grant(entry, opts.now, opts.leaseMs));
  }

  /** Store a new item; undefined when its id is queued, leased or refused. */
  private insert(item: QueueItem): Entry | undefined {
    const now = this.clock.now();
    this.pruneRefused(now);
    const refusedUntil = this.refused.get(item.id);
    if (this.items.has(item.id) || (refusedUntil !== undefined && refusedUntil > now)) return undefined;
    const stored = structuredClone(item);
    const entry: Entry = { item: stored, seq: this.seq++, readyAt: stored.availableAt, leaseCount: 0 };
    this.items.set(stored.id, entry);
    if (stored.runId !== undefined) {
      const ids = this.byRun.get(stored.runId) ?? new Set<string>();
      ids.add(stored.id);
      this.byRun.set(stored.runId, ids);
    }
    this.tenantItems.set(stored.tenant, (this.tenantItems.get(stored.tenant) ?? 0) + 1);
    return entry;
  }

  /** Lease an entry until `now + leaseMs`, serving its tenant. */
  private grant(entry: Entry, now: number, leaseMs: number): Lease {
    this.lastServed.set(entry.item.tenant, ++this.serveCount);
    entry.leaseCount += 1;
    const expiresAt = now + leaseMs;
    entry.token = encodeLeaseToken(entry.item.id, entry.leaseCount, expiresAt);
    entry.readyAt = expiresAt;
    return { item: structuredClone(entry.item), token: entry.token, deliveries: entry.leaseCount, expiresAt };
  }

  async extend(token: string, now: number, leaseMs: number): Promise<boolean> {
    const entry = this.holder(token);
    if (entry === undefined) return false;
    entry.readyAt = now + leaseMs;
    return true;
  }

  async requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean> {
    const entry = this.holder(token);
    if (entry === undefined) return false;
    entry.item.availableAt = update.availableAt;
    entry.item.attempt = update.attempt;
    entry.readyAt = update.availableAt;
    delete entry.token;
    this.notify(update.availableAt);
    return true;
  }

  async dequeue(token: string): Promise<boolean> {
    const entry = this.holder(token);
    if (entry === undefined) return false;
    this.remove(entry.item, this.clock.now());
    return true;
  }

  async dropRun(runId: string): Promise<void> {
    const now = this.clock.now();
    for (const id of [...(this.byRun.get(runId) ?? [])]) {
      const entry = this.items.get(id);
      if (entry !== undefined) this.remove(entry.item, now);
    }
  }

  async nextAvailableAt(now: number): Promise<number | undefined> {
    let next: number | undefined;
    for (const entry of this.items.values()) {
      const live = entry.token !== undefined && entry.readyAt > now;
      if (!live && (next === undefined || entry.item.availableAt < next)) next = entry.item.availableAt;
    }
    return next;
  }

  async size(): Promise<number> {
    return this.items.size;
  }

  async statsByKind(now: number): Promise<QueueKindStats[]> {
    const byKind = new Map<string, QueueKindStats>();
    for (const { item, token } of this.items.values()) {
      const stats = byKind.get(item.kind) ?? { kind: item.kind, depth: 0, oldestDueAt: undefined };
      byKind.set(item.kind, stats);
      stats.depth += 1;
      if (token === undefined && item.availableAt <= now && (stats.oldestDueAt === undefined || item.availableAt < stats.oldestDueAt)) {
        stats.oldestDueAt = item.availableAt;
      }
    }
    return [...byKind.values()];
  }

  subscribe(listener: (availableAt: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The entry the token's lease is on, or undefined when the token is stale. */
  private holder(token: string): Entry | undefined {
    const id = leaseTokenItemId(token);
    const entry = id === undefined ? undefined : this.items.get(id);
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  private remove(item: QueueItem, now: number): void {
    this.items.delete(item.id);
    if (item.runId !== undefined) {
      const ids = this.byRun.get(item.runId);
      ids?.delete(item.id);
      if (ids?.size === 0) this.byRun.delete(item.runId);
    }
    const left = (this.tenantItems.get(item.tenant) ?? 1) - 1;
    if (left > 0) this.tenantItems.set(item.tenant, left);
    else {
      this.tenantItems.delete(item.tenant);
      this.lastServed.delete(item.tenant);
    }
    this.refused.delete(item.id);
    this.refused.set(item.id, now + this.dedupeWindowMs);
  }

  private pruneRefused(now: number): void {
    for (const [id, until] of this.refused) {
      if (until > now) break;
      this.refused.delete(id);
    }
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
