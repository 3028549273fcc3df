import type { Lease } from "@weft/store";
import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";
import { item } from "./fixtures.js";
import { seededRandom } from "./prng.js";

export function queueDeliveryCases(test: DefineCase): void {
  test("fairness: a tenant flooding the queue does not starve another", async ({ stores, clock }) => {
    const now = clock.now();
    for (let i = 0; i < 1000; i++) {
      await stores.queue.enqueue(item(`a-${String(i).padStart(4, "0")}`, now - 1_000, { tenant: "flood" }));
    }
    await stores.queue.enqueue(item("b-0", now, { tenant: "quiet" }));
    const batch = await stores.queue.lease({ now, leaseMs: 30_000, limit: 10 });
    expect(batch).toHaveLength(10);
    expect(batch.map((l) => l.item.id)).toContain("b-0");
    // Within the flooding tenant, oldest first (same availableAt: enqueue order).
    expect(batch.filter((l) => l.item.tenant === "flood").map((l) => l.item.id)).toEqual(Array.from({ length: 9 }, (_, i) => `a-000${i}`));
  });

  test("fairness: one-at-a-time leases alternate between tenants", async ({ stores, clock }) => {
    const now = clock.now();
    for (let i = 0; i < 1000; i++) await stores.queue.enqueue(item(`a-${i}`, now - 1_000, { tenant: "flood" }));
    await stores.queue.enqueue(item("b-0", now, { tenant: "quiet" }));
    await stores.queue.enqueue(item("b-1", now, { tenant: "quiet" }));
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [held] = await stores.queue.lease({ now, leaseMs: 30_000, limit: 1 });
      order.push(held?.item.tenant ?? "none");
    }
    expect(order.slice(0, 2)).toContain("quiet");
    expect(order.filter((t) => t === "quiet")).toHaveLength(2);
  });

  test("at-least-once: every item is delivered while workers die at random", async ({ stores, clock }) => {
    const random = seededRandom(20_260_101);
    const start = clock.now();
    const total = 200;
    for (let i = 0; i < total; i++) {
      const availableAt = start + Math.floor(random() * 2_000);
      await stores.queue.enqueue(item(`job-${i}`, availableAt, { tenant: `t${i % 4}`, runId: `run-${i % 7}` }));
    }
    const delivered = new Map<string, number>();
    const done = new Set<string>();
    /** Item id → expiry of its newest lease, to check no two live leases overlap. */
    const liveUntil = new Map<string, number>();
    const workers = 5;
    let rounds = 0;
    while ((await stores.queue.size()) > 0 && rounds < 2_000) {
      rounds += 1;
      const now = clock.now();
      const batches = await Promise.all(Array.from({ length: workers }, () => stores.queue.lease({ now, leaseMs: 1_000, limit: 4 })));
      const work: Promise<unknown>[] = [];
      for (const held of batches.flat()) {
        const id = held.item.id;
        expect(liveUntil.get(id) ?? Number.NEGATIVE_INFINITY, `two live leases on ${id}`).toBeLessThanOrEqual(now);
        expect(done.has(id), `${id} leased after it was dequeued`).toBe(false);
        expect(held.item.availableAt).toBeLessThanOrEqual(now);
        liveUntil.set(id, held.expiresAt);
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
        work.push(finish(held, random(), now));
      }
      await Promise.all(work);
      clock.advance(250);
    }

    async function finish(held: Lease, roll: number, now: number): Promise<void> {
      if (roll < 0.3) return; // the worker dies: never dequeues, the lease runs out
      if (roll < 0.45) {
        expect(await stores.queue.requeue(held.token, { availableAt: now + 500, attempt: held.item.attempt + 1 })).toBe(true);
        liveUntil.delete(held.item.id);
        return;
      }
      expect(await stores.queue.dequeue(held.token)).toBe(true);
      done.add(held.item.id);
    }

    expect(await stores.queue.size()).toBe(0);
    expect(done.size).toBe(total);
    expect(delivered.size).toBe(total);
    expect(
      [...delivered.values()].some((n) => n > 1),
      "some item should have been redelivered",
    ).toBe(true);
    expect(await stores.queue.lease({ now: clock.now() + 60_000, leaseMs: 1_000, limit: 10 })).toEqual([]);
  });
}
