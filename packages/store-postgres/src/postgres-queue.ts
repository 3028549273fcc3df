import { randomBytes } from "node:crypto";
import { defaultDedupeWindowMs, firstLease, leaseTokenItemId, systemClock } from "@weft/store";
import type { Clock, Lease, Queue, QueueItem, QueueKindStats } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";
import { leaseFairly } from "./postgres-queue-lease.js";
import { QueueListener } from "./queue-listener.js";
import { WriteCoalescer } from "./write-coalescer.js";

/** How often (on the store's clock) enqueue sweeps expired ids out of `queue_seen`. */
const pruneEveryMs = 60_000;
/** Most expired ids one sweep deletes, so a sweep never becomes a long statement. */
const pruneBatch = 1_000;

/**
 * `Queue` on Postgres. Every operation is one statement except `lease` (see `leaseFairly`) and a
 * once-a-minute sweep of expired dedupe ids after an enqueue:
 *
 * - enqueue: claims the id in `queue_seen` with `INSERT ... ON CONFLICT DO UPDATE ... WHERE` the
 *   id's dedupe window is over, inserts the item, and `pg_notify`s, all in one statement
 *   (`enqueueLeased`: the same statement inserts it leased, and marks its tenant served). A racing
 *   enqueue or dequeue of the same id meets it on that row's lock, so a seen id is refused exactly
 *   while queued, leased, or in its window.
 * - extend, requeue, dequeue: conditional on `lease_token` (the whole token), so a stale token
 *   changes nothing; a racer re-checks the row after the other commits.
 * - dropRun, dequeue: delete the items, start their dedupe window, and forget a tenant left
 *   without items (so it counts as unserved again, like the memory queue).
 *
 * Wakeups: enqueue and requeue `NOTIFY` on the channel `<schema>.queue` with `<instance> <availableAt>`.
 * `subscribe` hears this instance's own calls directly (synchronously, like the memory queue) and
 * other instances' (other processes, other machines) through one dedicated LISTEN connection,
 * ignoring the echo of its own.
 */
export class PostgresQueue implements Queue {
  private readonly clock: Clock;
  private readonly dedupeWindowMs: number;
  private readonly items: string;
  private readonly seen: string;
  private readonly tenants: string;
  private readonly listeners = new Set<(availableAt: number) => void>();
  /** Tells this instance's notifications from others' on the shared channel. */
  private readonly instanceId = randomBytes(8).toString("hex");
  private readonly listener: QueueListener;
  private lastPrune = Number.NEGATIVE_INFINITY;
  /** Enqueues made while one is being written go together in the next statement (`insertMany`). */
  private readonly enqueues = new WriteCoalescer<QueueItem, boolean>(
    (item) => this.enqueueOne(item),
    (items) => this.insertMany(items),
  );
  /** Runs' drops made while one is being written go together in the next statement. */
  private readonly drops = WriteCoalescer.ofGroups<string>(async (runIds) => {
    await this.db.query(this.removeSql("run_id = ANY($2::text[])"), [this.clock.now() + this.dedupeWindowMs, runIds]);
  });
  /** Dequeues made while one is being written go together in the next statement (`removeMany`). */
  private readonly dequeues = new WriteCoalescer<string, boolean>(
    (token) => this.dequeueOne(token),
    (tokens) => this.removeMany(tokens),
  );

  constructor(
    private readonly db: PostgresDatabase,
    opts: { clock?: Clock; dedupeWindowMs?: number } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.dedupeWindowMs = opts.dedupeWindowMs ?? defaultDedupeWindowMs;
    this.items = db.table("queue_items");
    this.seen = db.table("queue_seen");
    this.tenants = db.table("queue_tenants");
    this.listener = new QueueListener({
      newClient: () => db.dedicatedClient(),
      channel: db.channel,
      onNotify: (payload) => this.heard(payload),
      onGap: () => this.notifyLocal(this.clock.now()),
      describeError: (e) => db.translate(e),
    });
  }

  /** Forget the listeners and end the LISTEN connection: part of the bundle's `close()`. @internal */
  async stopListening(): Promise<void> {
    this.listeners.clear();
    await this.listener.stop();
  }

  enqueue(item: QueueItem): Promise<boolean> {
    return this.enqueues.call(item);
  }

  enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    return this.enqueues.callMany(items);
  }

  /** One item alone: its own statement (`insert`), as before any grouping. */
  private async enqueueOne(item: QueueItem): Promise<boolean> {
    const added = await this.insert(item, undefined);
    if (added) {
      this.notifyLocal(item.availableAt);
      await this.pruneIfDue();
    }
    return added;
  }

  /**
   * Several items in one statement, as `insert` does one: claim the ids, insert the items claimed,
   * and `pg_notify` once for the group (with the latest `availableAt` added, so new work wakes a
   * worker in a hold). A repeated id is refused without being sent: `ON CONFLICT DO UPDATE` may not
   * touch a row twice in one statement. The ids go in sorted, so two groups that share ids lock them
   * in the same order.
   */
  private async insertMany(items: readonly QueueItem[]): Promise<boolean[]> {
    const firstAt = new Map<string, number>();
    for (const [i, item] of items.entries()) if (!firstAt.has(item.id)) firstAt.set(item.id, i);
    const group = [...firstAt.values()].map((i) => items[i] as QueueItem).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (group.length === 0) return [];
    const rows = await this.db.query<{ id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::integer[])
           AS x(id, kind, run_id, tenant, payload, available_at, attempt)
       ), claim AS (
         INSERT INTO ${this.seen} AS s (id, refused_until) SELECT id, NULL FROM input
         ON CONFLICT (id) DO UPDATE SET refused_until = NULL
           WHERE s.refused_until IS NOT NULL AND s.refused_until <= $1::bigint
         RETURNING id
       ), added AS (
         INSERT INTO ${this.items} (id, kind, run_id, tenant, payload, available_at, attempt, ready_at, lease_count)
         SELECT i.id, i.kind, i.run_id, i.tenant, i.payload, i.available_at, i.attempt, i.available_at, 0
         FROM input i JOIN claim c ON c.id = i.id
         ON CONFLICT (id) DO NOTHING
         RETURNING id, available_at
       )
       SELECT id, (SELECT pg_notify($9::text, $10::text || ' ' || max(available_at)::text) FROM added) AS notified FROM added`,
      [
        this.clock.now(),
        group.map((i) => i.id),
        group.map((i) => i.kind),
        group.map((i) => i.runId ?? null),
        group.map((i) => i.tenant),
        group.map((i) => JSON.stringify(i.payload)),
        group.map((i) => i.availableAt),
        group.map((i) => i.attempt),
        this.db.channel,
        this.instanceId,
      ],
    );
    const added = new Set(rows.map((r) => r.id));
    const answers = items.map((item, i) => firstAt.get(item.id) === i && added.has(item.id));
    if (added.size > 0) {
      for (const [i, item] of items.entries()) if (answers[i]) this.notifyLocal(item.availableAt);
      await this.pruneIfDue();
    }
    return answers;
  }

  async enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined> {
    const lease = firstLease(item, opts);
    if (!(await this.insert(item, lease))) return undefined;
    await this.pruneIfDue();
    return lease;
  }

  /**
   * Insert a new item in one statement: claim its id, insert it, and either `pg_notify` (queued) or
   * lease it and mark its tenant served (`leased`). False when the id was seen.
   */
  private async insert(item: QueueItem, leased: { token: string; expiresAt: number } | undefined): Promise<boolean> {
    const now = this.clock.now();
    const rows = await this.db.query(
      `WITH claim AS (
         INSERT INTO ${this.seen} AS s (id, refused_until) VALUES ($1::text, NULL)
         ON CONFLICT (id) DO UPDATE SET refused_until = NULL
           WHERE s.refused_until IS NOT NULL AND s.refused_until <= $2::bigint
         RETURNING id
       ), added AS (
         INSERT INTO ${this.items} (id, kind, run_id, tenant, payload, available_at, attempt, ready_at,
           lease_token, lease_expires_at, lease_count)
         SELECT id, $3::text, $4::text, $5::text, $6::text, $7::bigint, $8::integer, COALESCE($12::bigint, $7::bigint),
           $11::text, $12::bigint, CASE WHEN $11::text IS NULL THEN 0 ELSE 1 END FROM claim
         ON CONFLICT (id) DO NOTHING
         RETURNING tenant
       ), served AS (
         INSERT INTO ${this.tenants} (tenant, served_seq, served_pos)
         SELECT tenant, (SELECT nextval('${this.db.table("queue_serve_seq")}')), 1 FROM added WHERE $11::text IS NOT NULL
         ON CONFLICT (tenant) DO UPDATE SET served_seq = excluded.served_seq, served_pos = excluded.served_pos
       )
       SELECT CASE WHEN $11::text IS NULL THEN pg_notify($9::text, $10::text) END FROM added`,
      [
        item.id,
        now,
        item.kind,
        item.runId ?? null,
        item.tenant,
        JSON.stringify(item.payload),
        item.availableAt,
        item.attempt,
        this.db.channel,
        this.payload(item.availableAt),
        leased?.token ?? null,
        leased?.expiresAt ?? null,
      ],
    );
    return rows.length === 1;
  }

  /** Once a minute, after an insert: sweep expired ids out of `queue_seen`. */
  private async pruneIfDue(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPrune < pruneEveryMs) return;
    this.lastPrune = now;
    // Housekeeping only: the insert has committed, so a failed sweep must not report it failed
    // (the caller would retry and be refused). The next sweep picks up what this one left.
    await this.pruneSeen(now).catch(() => {});
  }

  lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
    return leaseFairly(this.db, opts);
  }

  async extend(token: string, now: number, leaseMs: number): Promise<boolean> {
    const changed = await this.db.execute(`UPDATE ${this.items} SET lease_expires_at = $3::bigint, ready_at = $3::bigint WHERE id = $1 AND lease_token = $2`, [
      leaseTokenItemId(token) ?? null,
      token,
      now + leaseMs,
    ]);
    return changed === 1;
  }

  async requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ${this.items} SET available_at = $3::bigint, ready_at = $3::bigint, attempt = $4::integer,
         lease_token = NULL, lease_expires_at = NULL
       WHERE id = $1 AND lease_token = $2
       RETURNING pg_notify($5::text, $6::text)`,
      [leaseTokenItemId(token) ?? null, token, update.availableAt, update.attempt, this.db.channel, this.payload(update.availableAt)],
    );
    if (rows.length === 0) return false;
    this.notifyLocal(update.availableAt);
    return true;
  }

  dequeue(token: string): Promise<boolean> {
    return this.dequeues.call(token);
  }

  /** One token alone: its own statement. */
  private async dequeueOne(token: string): Promise<boolean> {
    const rows = await this.db.query(this.removeSql("id = $2::text AND lease_token = $3::text"), [
      this.clock.now() + this.dedupeWindowMs,
      leaseTokenItemId(token) ?? null,
      token,
    ]);
    return rows.length === 1;
  }

  /** Several tokens in one statement (`removeSql`): the items held by exactly those tokens. */
  private async removeMany(tokens: readonly string[]): Promise<boolean[]> {
    const rows = await this.db.query<{ id: string }>(this.removeSql("(id, lease_token) IN (SELECT * FROM unnest($2::text[], $3::text[]))"), [
      this.clock.now() + this.dedupeWindowMs,
      tokens.map((t) => leaseTokenItemId(t) ?? null),
      [...tokens],
    ]);
    const removed = new Set(rows.map((r) => r.id));
    // A token given twice removes its item once: the first answers true.
    return tokens.map((token) => {
      const id = leaseTokenItemId(token);
      return id !== undefined && removed.delete(id);
    });
  }

  /** Drops made while one is being written go together in the next statement. */
  dropRun(runId: string): Promise<void> {
    return this.drops.call(runId);
  }

  async nextAvailableAt(now: number): Promise<number | undefined> {
    // Two index-backed minimums: unleased items, and items whose lease has expired.
    const [row] = await this.db.query<{ at: number | null }>(
      `SELECT LEAST(
         (SELECT min(available_at) FROM ${this.items} WHERE lease_token IS NULL),
         (SELECT min(available_at) FROM ${this.items} WHERE lease_token IS NOT NULL AND lease_expires_at <= $1::bigint)
       ) AS at`,
      [now],
    );
    return row?.at ?? undefined;
  }

  async size(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${this.items}`);
    return row?.n ?? 0;
  }

  async statsByKind(now: number): Promise<QueueKindStats[]> {
    const rows = await this.db.query<{ kind: string; depth: number; oldest: string | null }>(
      `SELECT kind, count(*)::int AS depth,
         (SELECT min(d.available_at) FROM ${this.items} d WHERE d.kind = q.kind AND d.lease_token IS NULL AND d.available_at <= $1::bigint) AS oldest
       FROM ${this.items} q GROUP BY kind`,
      [now],
    );
    return rows.map((row) => ({ kind: row.kind, depth: Number(row.depth), oldestDueAt: row.oldest === null ? undefined : Number(row.oldest) }));
  }

  subscribe(listener: (availableAt: number) => void): () => void {
    this.listeners.add(listener);
    // In the background: a failed LISTEN is retried, and polling covers the gap meanwhile.
    void this.listener.start().catch(() => {});
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.listener.stop();
    };
  }

  /**
   * Resolves once the LISTEN connection is up (immediately when nobody is subscribed), so a
   * caller can know that work queued by other processes from now on will wake it. Rejects with
   * `StoreUnavailableError` if connecting fails (it is retried in the background).
   */
  whenListening(): Promise<void> {
    return this.listeners.size === 0 ? Promise.resolve() : this.listener.start();
  }

  /**
   * Delete items matching `where` (parameters from `$2`), start their dedupe window (until `$1`),
   * and drop the serve record of any tenant left without items. The tenant check reads the
   * statement's snapshot: an item enqueued concurrently for that tenant keeps the tenant leasable
   * (tenants are found from the items) and only resets when it was last served.
   */
  private removeSql(where: string): string {
    return `WITH gone AS (
        DELETE FROM ${this.items} WHERE ${where} RETURNING id, tenant
      ), refused AS (
        INSERT INTO ${this.seen} (id, refused_until) SELECT id, $1::bigint FROM gone
        ON CONFLICT (id) DO UPDATE SET refused_until = excluded.refused_until
      ), idle AS (
        DELETE FROM ${this.tenants} t
        WHERE t.tenant IN (SELECT tenant FROM gone)
          AND NOT EXISTS (
            SELECT 1 FROM ${this.items} i WHERE i.tenant = t.tenant AND i.id NOT IN (SELECT id FROM gone)
          )
      )
      SELECT id FROM gone`;
  }

  /** Forget ids whose dedupe window is over; skips rows a concurrent enqueue is claiming. */
  private async pruneSeen(now: number): Promise<void> {
    await this.db.execute(
      `DELETE FROM ${this.seen} WHERE id IN (
         SELECT id FROM ${this.seen} WHERE refused_until <= $1::bigint
         ORDER BY refused_until LIMIT ${pruneBatch} FOR UPDATE SKIP LOCKED
       )`,
      [now],
    );
  }

  private payload(availableAt: number): string {
    return `${this.instanceId} ${availableAt}`;
  }

  /** A notification from the channel: another instance's enqueue or requeue (our own echo is skipped). */
  private heard(payload: string): void {
    const [sender, at] = payload.split(" ");
    if (sender === this.instanceId) return;
    const availableAt = Number(at);
    if (Number.isFinite(availableAt)) this.notifyLocal(availableAt);
  }

  /** A listener's failure must not fail the enqueue, which has already committed. */
  private notifyLocal(availableAt: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(availableAt);
      } catch {
        // ignored on purpose: see above
      }
    }
  }
}
