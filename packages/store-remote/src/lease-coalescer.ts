import type { Lease } from "@weft/store";
import type { ConcurrencyLimiter } from "./concurrency-limiter.js";

interface LeaseOpts {
  now: number;
  leaseMs: number;
  limit: number;
}

/** What a lease call got, and when its backend call started (for the wait/backend split in stats). */
export interface LeaseOutcome {
  value: Lease[];
  startedAt: number;
}

interface Member {
  limit: number;
  resolve: (outcome: LeaseOutcome) => void;
  reject: (e: unknown) => void;
}

interface Batch {
  leaseMs: number;
  /** The earliest `now` of its members: no member is handed an item before its `availableAt`. */
  now: number;
  limit: number;
  members: Member[];
}

/** Calls whose clocks disagree by more than this are not merged (each gets a lease on its own time). */
const maxClockSpreadMs = 250;

/**
 * Batching where the store contract allows it: `Queue.lease` takes a `limit`, so concurrent lease
 * calls can be one backend call. Only when the backend is saturated (every slot of the limiter
 * busy) does a lease call wait in a batch; the batch takes one slot, leases the sum of its
 * members' limits in one backend call, and deals the items out round-robin (in the fair order the
 * backend returned them), each member getting at most its own limit. With free slots nothing
 * waits, so batching costs no latency and appears exactly when the backend is the bottleneck.
 *
 * The contract holds for every member: its items are under live leases no one else holds, and
 * never more than its limit; fewer (even none) when the backend had fewer ready, which a lease
 * under contention may always answer. Each `Lease.expiresAt` is exact (computed from the batch's
 * `now`, at most `maxClockSpreadMs` before the member's own).
 */
export class LeaseCoalescer {
  private readonly open: Batch[] = [];
  /** Lease calls answered by a backend call they shared with an earlier one. */
  merged = 0;

  constructor(
    private readonly limiter: ConcurrencyLimiter,
    private readonly backend: (opts: LeaseOpts) => Promise<Lease[]>,
    private readonly maxLimit: number = 100,
  ) {}

  lease(opts: unknown): Promise<LeaseOutcome> {
    if (!this.limiter.saturated || !isLeaseOpts(opts, this.maxLimit)) {
      // Malformed options go to the backend unchanged, so it answers its own error.
      return this.limiter.run(async () => {
        const startedAt = performance.now();
        return { value: await this.backend(opts as LeaseOpts), startedAt };
      });
    }
    let batch = this.open.find((b) => b.leaseMs === opts.leaseMs && Math.abs(b.now - opts.now) <= maxClockSpreadMs && b.limit + opts.limit <= this.maxLimit);
    if (batch === undefined) {
      const fresh: Batch = { leaseMs: opts.leaseMs, now: opts.now, limit: 0, members: [] };
      batch = fresh;
      this.open.push(fresh);
      void this.limiter.run(() => this.execute(fresh));
    } else {
      this.merged += 1;
    }
    batch.now = Math.min(batch.now, opts.now);
    batch.limit += opts.limit;
    const joined = batch;
    return new Promise<LeaseOutcome>((resolve, reject) => joined.members.push({ limit: opts.limit, resolve, reject }));
  }

  private async execute(batch: Batch): Promise<void> {
    // Its turn has come: closed to newcomers from here on.
    this.open.splice(this.open.indexOf(batch), 1);
    const startedAt = performance.now();
    let leases: Lease[];
    try {
      leases = await this.backend({ now: batch.now, leaseMs: batch.leaseMs, limit: batch.limit });
    } catch (e) {
      for (const member of batch.members) member.reject(e);
      return;
    }
    const dealt: Lease[][] = batch.members.map(() => []);
    let turn = 0;
    // The total limit bounds the leases (a backend answering more would leave a member with no room).
    for (const lease of leases.slice(0, batch.limit)) {
      while ((dealt[turn] as Lease[]).length >= (batch.members[turn] as Member).limit) turn = (turn + 1) % dealt.length;
      (dealt[turn] as Lease[]).push(lease);
      turn = (turn + 1) % dealt.length;
    }
    batch.members.forEach((member, i) => {
      member.resolve({ value: dealt[i] as Lease[], startedAt });
    });
  }
}

function isLeaseOpts(value: unknown, maxLimit: number): value is LeaseOpts {
  if (typeof value !== "object" || value === null) return false;
  const { now, leaseMs, limit } = value as Partial<Record<keyof LeaseOpts, unknown>>;
  return (
    typeof now === "number" &&
    Number.isFinite(now) &&
    typeof leaseMs === "number" &&
    Number.isFinite(leaseMs) &&
    typeof limit === "number" &&
    Number.isInteger(limit) &&
    limit > 0 &&
    limit <= maxLimit
  );
}
