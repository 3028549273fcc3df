/**
 * Round-robin across tenants: one item from each tenant in `tenants` order, then the next round,
 * until `limit` items are picked. Each tenant's list is already in its own order (oldest first).
 *
 * @internal shared by every queue backend, so they pick alike.
 */
export function fairOrder<T>(tenants: readonly string[], byTenant: ReadonlyMap<string, readonly T[]>, limit: number): T[] {
  const picked: T[] = [];
  for (let round = 0; picked.length < limit; round++) {
    let tookAny = false;
    for (const tenant of tenants) {
      if (picked.length >= limit) break;
      const item = byTenant.get(tenant)?.[round];
      if (item === undefined) continue;
      picked.push(item);
      tookAny = true;
    }
    if (!tookAny) break;
  }
  return picked;
}
