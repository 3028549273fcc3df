import { defaultDedupeWindowMs, encodeLeaseToken, fairOrder, firstLease, leaseTokenItemId, systemClock } from "@weft/store";
import type { Clock, Lease, Queue, QueueItem, QueueKindStats } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";

interface ItemRow {
  id: string;
  kind: string;
  run_id: string | null;
  tenant: string;
  payload: string;
  available_at: number;
  attempt: number;
  lease_count: number;
}

const itemColumns = "id, kind, run_id, tenant, payload, available_at, attempt, lease_count";

/**
 * `Queue` on SQLite. An item is leasable when `ready_at <= now` (`ready_at` is `available_at`, or
 * the expiry of its lease), so one index, `(tenant, ready_at, seq)`, serves both new and expired
 * items. Tenants take turns least recently served first (`queue_tenants`). Tokens are fenced by
 * comparing the whole stored token. Lease, dequeue, enqueue and drop each run in one
 * `BEGIN IMMEDIATE` transaction. `subscribe` is process-local; other processes poll.
 */
export class SqliteQueue implements Queue {
  private readonly clock: Clock;
  private readonly dedupeWindowMs: number;
  private readonly listeners = new Set<(availableAt: number) => void>();

  constructor(
    private readonly db: SqliteDatabase,
    opts: { clock?: Clock; dedupeWindowMs?: number } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.dedupeWindowMs = opts.dedupeWindowMs ?? defaultDedupeWindowMs;
  }

  async enqueue(item: QueueItem): Promise<boolean> {
    const accepted = this.db.transaction(() => this.insert(item, undefined));
    if (accepted) this.notify(item.availableAt);
    return accepted;
  }

  async enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    // One savepoint for the group; a repeated id within it is refused by the insert before it.
    const accepted = this.db.transaction(() => items.map((item, i) => this.insert(item, undefined, i > 0)));
    for (const [i, item] of items.entries()) if (accepted[i]) this.notify(item.availableAt);
    return accepted;
  }

  async enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined> {
    const lease = firstLease(item, opts);
    const accepted = this.db.transaction(() => {
      if (!this.insert(item, lease)) return false;
      this.serve(item.tenant);
      return true;
    });
    return accepted ? lease : undefined;
  }

  /**
   * Insert a new item, leased when `leased` is given; false when its id was seen. In a transaction.
   * `pruned`: expired dedupe ids were already dropped in this transaction (an earlier item of a group).
   */
  private insert(item: QueueItem, leased: { token: string; expiresAt: number } | undefined, pruned = false): boolean {
    if (!pruned) this.db.run("DELETE FROM queue_dedupe WHERE refused_until <= ?", [this.clock.now()]);
    if (this.db.get("SELECT 1 FROM queue_dedupe WHERE id = ?", [item.id]) !== undefined) return false;
    const { changes } = this.db.run(
      `INSERT INTO queue_items (id, kind, run_id, tenant, payload, available_at, attempt, ready_at, lease_token, lease_expires_at, lease_count)
       VALUES (@id, @kind, @runId, @tenant, @payload, @availableAt, @attempt, @readyAt, @token, @expiresAt, @leaseCount)
       ON CONFLICT (id) DO NOTHING`,
      {
        id: item.id,
        kind: item.kind,
        runId: item.runId ?? null,
        tenant: item.tenant,
        payload: JSON.stringify(item.payload),
        availableAt: item.availableAt,
        attempt: item.attempt,
        readyAt: leased?.expiresAt ?? item.availableAt,
        token: leased?.token ?? null,
        expiresAt: leased?.expiresAt ?? null,
        leaseCount: leased ? 1 : 0,
      },
    );
    if (changes === 0) return false;
    this.db.run("INSERT INTO queue_tenants (tenant) VALUES (?) ON CONFLICT (tenant) DO NOTHING", [item.tenant]);
    return true;
  }

  /** Mark a tenant served last. In a transaction. */
  private serve(tenant: string): void {
    this.db.run("UPDATE queue_tenants SET last_served = (SELECT COALESCE(MAX(last_served), 0) + 1 FROM queue_tenants) WHERE tenant = ?", [tenant]);
  }

  async lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
    const { now, leaseMs, limit } = opts;
    if (limit <= 0) return [];
    return this.db.transaction(() => {
      const tenants = this.db
        .all<{ tenant: string }>(
          `SELECT tenant FROM queue_tenants t
           WHERE EXISTS (SELECT 1 FROM queue_items q WHERE q.tenant = t.tenant AND q.ready_at <= @now)
           ORDER BY last_served, tenant LIMIT @limit`,
          { now, limit },
        )
        .map((r) => r.tenant);
      const ready = new Map<string, ItemRow[]>();
      for (const tenant of tenants) {
        ready.set(
          tenant,
          this.db.all<ItemRow>(
            `SELECT ${itemColumns} FROM queue_items WHERE tenant = @tenant AND ready_at <= @now
             ORDER BY ready_at, seq LIMIT @limit`,
            { tenant, now, limit },
          ),
        );
      }
      const expiresAt = now + leaseMs;
      return fairOrder(tenants, ready, limit).map((row): Lease => {
        const leaseCount = row.lease_count + 1;
        const token = encodeLeaseToken(row.id, leaseCount, expiresAt);
        this.db.run(`UPDATE queue_items SET lease_token = ?, lease_expires_at = ?, ready_at = ?, lease_count = ? WHERE id = ?`, [
          token,
          expiresAt,
          expiresAt,
          leaseCount,
          row.id,
        ]);
        this.serve(row.tenant);
        return { item: toItem(row), token, deliveries: leaseCount, expiresAt };
      });
    });
  }

  async extend(token: string, now: number, leaseMs: number): Promise<boolean> {
    const { changes } = this.db.run("UPDATE queue_items SET lease_expires_at = @at, ready_at = @at WHERE id = @id AND lease_token = @token", {
      at: now + leaseMs,
      id: leaseTokenItemId(token) ?? null,
      token,
    });
    return changes === 1;
  }

  async requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean> {
    const { changes } = this.db.run(
      `UPDATE queue_items SET available_at = @at, ready_at = @at, attempt = @attempt,
         lease_token = NULL, lease_expires_at = NULL
       WHERE id = @id AND lease_token = @token`,
      { at: update.availableAt, attempt: update.attempt, id: leaseTokenItemId(token) ?? null, token },
    );
    if (changes === 1) this.notify(update.availableAt);
    return changes === 1;
  }

  async dequeue(token: string): Promise<boolean> {
    const until = this.clock.now() + this.dedupeWindowMs;
    return this.db.transaction(() => {
      const removed = this.db.all<{ id: string; tenant: string }>("DELETE FROM queue_items WHERE id = ? AND lease_token = ? RETURNING id, tenant", [
        leaseTokenItemId(token) ?? null,
        token,
      ]);
      this.forget(removed, until);
      return removed.length === 1;
    });
  }

  async dropRun(runId: string): Promise<void> {
    const until = this.clock.now() + this.dedupeWindowMs;
    this.db.transaction(() => {
      const removed = this.db.all<{ id: string; tenant: string }>("DELETE FROM queue_items WHERE run_id = ? RETURNING id, tenant", [runId]);
      this.forget(removed, until);
    });
  }

  async nextAvailableAt(now: number): Promise<number | undefined> {
    return this.db.read(() => {
      const unleased = this.db.get<{ at: number | null }>("SELECT MIN(available_at) AS at FROM queue_items WHERE lease_token IS NULL")?.at;
      const expired = this.db.get<{ at: number | null }>(
        "SELECT MIN(available_at) AS at FROM queue_items WHERE lease_token IS NOT NULL AND lease_expires_at <= ?",
        [now],
      )?.at;
      const times = [unleased, expired].filter((t): t is number => typeof t === "number");
      return times.length === 0 ? undefined : Math.min(...times);
    });
  }

  async size(): Promise<number> {
    return this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM queue_items")?.n ?? 0;
  }

  async statsByKind(now: number): Promise<QueueKindStats[]> {
    return this.db.read(() => {
      const depths = this.db.all<{ kind: string; n: number }>("SELECT kind, COUNT(*) AS n FROM queue_items GROUP BY kind");
      const due = this.db.all<{ kind: string; at: number }>(
        "SELECT kind, MIN(available_at) AS at FROM queue_items WHERE lease_token IS NULL AND available_at <= ? GROUP BY kind",
        [now],
      );
      const oldest = new Map(due.map((row) => [row.kind, row.at]));
      return depths.map((row) => ({ kind: row.kind, depth: row.n, oldestDueAt: oldest.get(row.kind) }));
    });
  }

  subscribe(listener: (availableAt: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Refuse removed ids for the dedupe window; drop tenants left without items. */
  private forget(removed: { id: string; tenant: string }[], until: number): void {
    for (const { id, tenant } of removed) {
      this.db.run("INSERT INTO queue_dedupe (id, refused_until) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET refused_until = excluded.refused_until", [
        id,
        until,
      ]);
      this.db.run("DELETE FROM queue_tenants WHERE tenant = @tenant AND NOT EXISTS (SELECT 1 FROM queue_items WHERE tenant = @tenant)", { tenant });
    }
  }

  /** A listener's failure must not fail the enqueue, which has already committed. */
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

function toItem(row: ItemRow): QueueItem {
  const item: QueueItem = {
    id: row.id,
    kind: row.kind,
    tenant: row.tenant,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    availableAt: row.available_at,
    attempt: row.attempt,
  };
  if (row.run_id !== null) item.runId = row.run_id;
  return item;
}
