import { encodeLeaseToken, fairOrder } from "@weft/store";
import type { JobKind, Lease, QueueItem } from "@weft/store";
import type { PostgresDatabase, SqlExecutor } from "./postgres-database.js";

export interface ItemRow {
  id: string;
  seq: number;
  kind: JobKind;
  run_id: string | null;
  tenant: string;
  payload: string;
  available_at: number;
  attempt: number;
  ready_at: number;
  lease_count: number;
}

export const itemColumns = "id, seq, kind, run_id, tenant, payload, available_at, attempt, ready_at, lease_count";

/**
 * Lease up to `limit` items in fair order: the least recently served tenants with ready items, one
 * item each per round (`fairOrder`, shared with the other backends), oldest first within a tenant.
 *
 * 1. Outside any transaction, find the tenants: a skip scan over `queue_by_tenant_ready` (one
 *    probe per distinct tenant), ordered by `queue_tenants` (unserved first, then by name).
 * 2. In one transaction, lock rows per tenant with `FOR UPDATE SKIP LOCKED` and a per-tenant
 *    `LIMIT` equal to that tenant's round-robin share. Concurrent leasers skip each other's rows
 *    instead of waiting. Only the rows this call will hand out are locked, so a concurrent call is
 *    never starved by rows locked and then not used. A tenant that yields less than its share (few
 *    ready items, or the rest locked by others) is done; its unused share goes round again to the
 *    tenants that filled theirs.
 * 3. One statement sets each picked row's token and expiry, and records when each tenant was
 *    served. Tenant rows are upserted in name order, so two leasers never lock them crosswise.
 *
 * Rows locked by another lease are skipped, so under contention a call may return fewer than
 * `limit` items while others take the rest; nothing is lost.
 */
export async function leaseFairly(
  db: PostgresDatabase,
  opts: { now: number; leaseMs: number; limit: number },
): Promise<Lease[]> {
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
  return db.transaction(async (tx) => {
    const byTenant = await lockShares(tx, items, tenants, now, limit);
    const picked = fairOrder(tenants, byTenant, limit);
    if (picked.length === 0) return [];
    const tokens = picked.map((row) => encodeLeaseToken(row.id, row.lease_count + 1, expiresAt));
    // Each tenant's serve position is that of its last item in this call, as in the memory queue.
    const lastPosition = new Map<string, number>();
    picked.forEach((row, i) => lastPosition.set(row.tenant, i + 1));
    const [result] = await tx.query<{ leased: number }>(
      `WITH leased AS (
         UPDATE ${items} AS i SET lease_token = l.token, lease_expires_at = $3::bigint, ready_at = $3::bigint,
           lease_count = i.lease_count + 1
         FROM unnest($1::text[], $2::text[]) AS l(id, token)
         WHERE i.id = l.id
         RETURNING 1
       ), marked AS (
         INSERT INTO ${served} (tenant, served_seq, served_pos)
         SELECT m.tenant, (SELECT nextval('${db.table("queue_serve_seq")}')), m.pos
         FROM unnest($4::text[], $5::integer[]) AS m(tenant, pos)
         ORDER BY m.tenant
         ON CONFLICT (tenant) DO UPDATE SET served_seq = excluded.served_seq, served_pos = excluded.served_pos
       )
       SELECT count(*) AS leased FROM leased`,
      [picked.map((r) => r.id), tokens, expiresAt, [...lastPosition.keys()], [...lastPosition.values()]],
    );
    if (result?.leased !== picked.length) {
      throw new Error(`lease: locked ${picked.length} queue items but updated ${result?.leased ?? 0}`);
    }
    return picked.map((row, i): Lease => ({ item: toItem(row), token: tokens[i] ?? "", expiresAt }));
  });
}

/** Lock each tenant's round-robin share of ready rows, re-sharing what short tenants leave. */
async function lockShares(
  tx: SqlExecutor,
  items: string,
  tenants: readonly string[],
  now: number,
  limit: number,
): Promise<Map<string, ItemRow[]>> {
  const byTenant = new Map<string, ItemRow[]>(tenants.map((t) => [t, []]));
  const open = new Set(tenants);
  const taken: string[] = [];
  const count = (tenant: string) => byTenant.get(tenant)?.length ?? 0;
  while (taken.length < limit && open.size > 0) {
    // Fewest taken first (stable, so ties keep serve order): a re-deal continues the round-robin
    // where the short tenants left it, rather than favouring the first tenant again.
    const active = tenants.filter((t) => open.has(t)).sort((a, b) => count(a) - count(b));
    const share = shares(active, limit - taken.length);
    const wanted = active.filter((t) => (share.get(t) ?? 0) > 0);
    const rows = await tx.query<ItemRow>(
      `SELECT q.* FROM unnest($1::text[], $2::integer[]) AS w(tenant, n)
       CROSS JOIN LATERAL (
         SELECT ${itemColumns} FROM ${items} i
         WHERE i.tenant = w.tenant AND i.ready_at <= $3::bigint AND i.id <> ALL($4::text[])
         ORDER BY i.ready_at, i.seq
         LIMIT w.n
         FOR UPDATE SKIP LOCKED
       ) q`,
      [wanted, wanted.map((t) => share.get(t) ?? 0), now, taken],
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
  // A later round can lock a row that sorts before an earlier one (its locker rolled back).
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
