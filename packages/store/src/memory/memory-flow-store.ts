import type { FlowStore } from "../flow-store.js";

/** The reference `FlowStore`: maps in this process (single-threaded JS makes every call atomic). */
export class MemoryFlowStore implements FlowStore {
  private readonly slots = new Map<string, Map<string, number>>();
  private readonly buckets = new Map<string, number>();
  private readonly registers = new Map<string, { value: string; version: number; expiresAt: number }>();
  private readonly versions = new Map<string, number>();

  async acquireSlot(key: string, holder: string, limit: number, expiresAt: number, now: number): Promise<boolean> {
    const holders = this.slots.get(key) ?? new Map<string, number>();
    for (const [h, until] of holders) if (until <= now) holders.delete(h);
    if (!holders.has(holder) && holders.size >= limit) return false;
    holders.set(holder, expiresAt);
    this.slots.set(key, holders);
    return true;
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    const holders = this.slots.get(key);
    holders?.delete(holder);
    if (holders?.size === 0) this.slots.delete(key);
  }

  async slotHolders(key: string, now: number): Promise<string[]> {
    return [...(this.slots.get(key) ?? [])].filter(([, until]) => until > now).map(([h]) => h);
  }

  async takeToken(key: string, rate: { limit: number; periodMs: number; burst: number }, now: number) {
    const { tat, result } = gcra(this.buckets.get(key), rate, now);
    if (result.allowed) this.buckets.set(key, tat);
    return result;
  }

  async put(key: string, value: string, expiresAt: number): Promise<number> {
    return this.write(key, value, expiresAt);
  }

  private write(key: string, value: string, expiresAt: number): number {
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    this.registers.set(key, { value, version, expiresAt });
    return version;
  }

  async putIf(key: string, value: string, expiresAt: number, expected: number | undefined, now: number): Promise<number | undefined> {
    // No await between the check and the write: that is what makes it atomic here.
    const live = this.registers.get(key);
    if ((live && live.expiresAt > now ? live.version : undefined) !== expected) return undefined;
    return this.write(key, value, expiresAt);
  }

  async get(key: string, now: number) {
    const r = this.registers.get(key);
    return r && r.expiresAt > now ? { value: r.value, version: r.version } : undefined;
  }

  async deleteIf(key: string, version: number): Promise<boolean> {
    if (this.registers.get(key)?.version !== version) return false;
    this.registers.delete(key);
    return true;
  }
}

/**
 * The generic cell rate algorithm, shared by every backend that computes it in TypeScript: the
 * theoretical arrival time (TAT) advances by one emission interval per allowed unit; a unit is
 * allowed while TAT is at most `burst` intervals ahead of now.
 */
export function gcra(
  storedTat: number | undefined,
  rate: { limit: number; periodMs: number; burst: number },
  now: number,
): { tat: number; result: { allowed: boolean; retryAt: number } } {
  const limit = Math.max(1, rate.limit);
  const interval = rate.periodMs / limit;
  // `limit` units may start at once (plus `burst`), then one per interval.
  const tolerance = interval * (limit - 1 + Math.max(0, rate.burst));
  const tat = Math.max(storedTat ?? now, now);
  const allowAt = tat - tolerance;
  if (now < allowAt) return { tat, result: { allowed: false, retryAt: Math.ceil(allowAt) } };
  return { tat: tat + interval, result: { allowed: true, retryAt: now } };
}
