import { randomBytes } from "node:crypto";
import { fairOrder } from "@weft/store";
import type { Lease, QueueItem } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";

export interface ItemRow {
  id: string;
  seq: number;
  kind: string;
  run_id: string | null;
  tenant: string;
  payload: string;
  available_at: number;
  attempt: number;
  ready_at: number;
  lease_count: number;
}

/** A row as a lease returns it: `ready_at` is when it became ready, before this lease. */
interface LeasedRow extends ItemRow {
  lease_token: string;
}

/**
 * Lease up to `limit` items in fair order: the least recently served tenants with ready items, one
 * item each per round (`fairOrder`, shared with the other backends), oldest first within a tenant.
 *
 * 1. Find the tenants: a skip scan over `queue_by_tenant_ready` (one probe per distinct tenant),
 *    ordered by `queue_tenants` (unserved first, then by name).
 * 2. Lease each tenant's round-robin share in one statement: rows are locked with `FOR UPDATE SKIP
 *    LOCKED` and a per-tenant `LIMIT`, and the same statement sets their token and expiry, so
 *    concurrent leasers skip each other's rows instead of waiting, and only rows this call hands
 *    out are ever locked. A tenant that yields less than its share (few ready items, or the rest
 *    taken by others) is done; its unused share goes round again, in another such statement, to
 *    the tenants that filled theirs. Each statement commits on its own: a leased row is out of
 *    every later round's reach (its `ready_at` is the lease expiry).
 * 3. Record when each tenant was served. Tenant rows are upserted in name order, so two leasers
 *    never lock them crosswise.
 *
 * Idle, that is three round trips (it was five with a client-side transaction around step 2).
 * Rows taken by another lease are skipped, so under contention a call may return fewer than
 * `limit` items while others take the rest; nothing is lost.
 */
export async function leaseFairly(db: PostgresDatabase, opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
  const { now, leaseMs, limit } = opts;
  if (limit <= 0) return [];
  const items = db.table("queue_items");
  const served = db.table("queue_tenants");
  const tenants = (
    await db.query<{ tenant: string }>(
      `WITH RECURSIVE distinct_tenants (tenant) AS (
         (SELECT tenant FROM ${items} ORDER BY tenant LIMIT 1)
         UNION ALL
         SELECT (SELECT i.tenant FROM ${items} i WHERE i.tenant > d.tenant ORDER BY i.tenant LIMIT 1)
         FROM distinct_tenants d WHERE d.tenant IS NOT NULL
       )
       SELECT d.tenant FROM distinct_tenants d
       LEFT JOIN ${served} s ON s.tenant = d.tenant
       WHERE d.tenant IS NOT NULL
         AND EXISTS (SELECT 1 FROM ${items} i WHERE i.tenant = d.tenant AND i.ready_at <= $1::bigint)
       ORDER BY COALESCE(s.served_seq, 0), COALESCE(s.served_pos, 0), d.tenant
       LIMIT $2::integer`,
      [now, limit],
    )
  ).map((r) => r.tenant);
  if (tenants.length === 0) return [];

  const expiresAt = now + leaseMs;
  const byTenant = await leaseShares(db, items, tenants, now, expiresAt, limit);
  const picked = fairOrder(tenants, byTenant, limit);
  if (picked.length === 0) return [];
  // Each tenant's serve position is that of its last item in this call, as in the memory queue.
  const lastPosition = new Map<string, number>();
  picked.forEach((row, i) => {
    lastPosition.set(row.tenant, i + 1);
  });
  await db
    .execute(
      `INSERT INTO ${served} (tenant, served_seq, served_pos)
       SELECT m.tenant, (SELECT nextval('${db.table("queue_serve_seq")}')), m.pos
       FROM unnest($1::text[], $2::integer[]) AS m(tenant, pos)
       ORDER BY m.tenant
       ON CONFLICT (tenant) DO UPDATE SET served_seq = excluded.served_seq, served_pos = excluded.served_pos`,
      [[...lastPosition.keys()], [...lastPosition.values()]],
    )
    // Fairness bookkeeping only: the rows are leased already, and failing the call now would leave
    // them unseen until their leases expire. The next call's order is merely a little less fair.
    .catch(() => {});
  return picked.map((row): Lease => ({ item: toItem(row), token: row.lease_token, deliveries: row.lease_count, expiresAt }));
}

/**
 * Lease each tenant's round-robin share of ready rows, re-sharing what short tenants leave. The
 * token is spelled as `encodeLeaseToken` spells it (`<leaseCount>-<expiresAt>-<nonce>:<itemId>`),
 * here in SQL because the rows are only known inside the statement. `RETURNING` reads the row
 * as updated, so `lease_count` is this lease's count: its `deliveries`.
 */
async function leaseShares(
  db: PostgresDatabase,
  items: string,
  tenants: readonly string[],
  now: number,
  expiresAt: number,
  limit: number,
): Promise<Map<string, LeasedRow[]>> {
  const byTenant = new Map<string, LeasedRow[]>(tenants.map((t) => [t, []]));
  const open = new Set(tenants);
  const taken: string[] = [];
  const nonce = randomBytes(4).toString("hex");
  const count = (tenant: string) => byTenant.get(tenant)?.length ?? 0;
  while (taken.length < limit && open.size > 0) {
    // Fewest taken first (stable, so ties keep serve order): a re-deal continues the round-robin
    // where the short tenants left it, rather than favouring the first tenant again.
    const active = tenants.filter((t) => open.has(t)).sort((a, b) => count(a) - count(b));
    const share = shares(active, limit - taken.length);
    const wanted = active.filter((t) => (share.get(t) ?? 0) > 0);
    const rows = await db.query<LeasedRow>(
      `WITH picked AS (
         SELECT q.id, q.ready_at AS was_ready_at FROM unnest($1::text[], $2::integer[]) AS w(tenant, n)
         CROSS JOIN LATERAL (
           SELECT i.id, i.ready_at FROM ${items} i
           WHERE i.tenant = w.tenant AND i.ready_at <= $3::bigint AND i.id <> ALL($4::text[])
           ORDER BY i.ready_at, i.seq
           LIMIT w.n
           FOR UPDATE SKIP LOCKED
         ) q
       )
       UPDATE ${items} AS i SET
         lease_count = i.lease_count + 1,
         lease_token = (i.lease_count + 1)::text || '-' || $5::bigint::text || '-' || $6::text || ':' || i.id,
         lease_expires_at = $5::bigint, ready_at = $5::bigint
       FROM picked p WHERE i.id = p.id
       RETURNING i.id, i.seq, i.kind, i.run_id, i.tenant, i.payload, i.available_at, i.attempt,
         p.was_ready_at AS ready_at, i.lease_count, i.lease_token`,
      [wanted, wanted.map((t) => share.get(t) ?? 0), now, taken, expiresAt, nonce],
    );
    const got = new Map<string, number>();
    for (const row of rows) {
      byTenant.get(row.tenant)?.push(row);
      got.set(row.tenant, (got.get(row.tenant) ?? 0) + 1);
      taken.push(row.id);
    }
    for (const t of wanted) if ((got.get(t) ?? 0) < (share.get(t) ?? 0)) open.delete(t);
    if (rows.length === 0) break;
  }
  // Oldest first within a tenant, by when each row became ready (the statement returns rows in no order).
  for (const list of byTenant.values()) list.sort((a, b) => a.ready_at - b.ready_at || a.seq - b.seq);
  return byTenant;
}

/** `slots` dealt round-robin over `tenants` in order: the first ones get one more when it does not divide. */
function shares(tenants: readonly string[], slots: number): Map<string, number> {
  const each = Math.floor(slots / tenants.length);
  const extra = slots % tenants.length;
  return new Map(tenants.map((t, i) => [t, each + (i < extra ? 1 : 0)]));
}

export function toItem(row: ItemRow): QueueItem {
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
