import { createMemoryStores } from "@weft/store";
import type { StateStores } from "@weft/store";
import { afterEach, describe, expect, it } from "vitest";
import { createRemoteStores } from "../src/index.js";
import type { RemoteStores } from "../src/index.js";
import { coordinate } from "./remote-harness.js";

// The coordinator's promise to a backend: however many calls and clients arrive, no more than
// `maxInFlight` operations run on it at once. Counted at the backing stores themselves.

/** Counts the backend operations running at once; each takes a few ms so calls overlap. */
class Gauge {
  now = 0;
  max = 0;
  total = 0;
  readonly byMethod = new Map<PropertyKey, number>();
  enter(method: PropertyKey): void {
    this.now += 1;
    this.total += 1;
    this.max = Math.max(this.max, this.now);
    this.byMethod.set(method, (this.byMethod.get(method) ?? 0) + 1);
  }
  leave(): void {
    this.now -= 1;
  }
}

const lifecycle = new Set<PropertyKey>(["subscribe"]);

/** `target` with every store method counted by `gauge` and slowed by `delayMs`. */
function counted<T extends object>(target: T, gauge: Gauge, delayMs: number): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function" || lifecycle.has(prop)) return typeof value === "function" ? value.bind(obj) : value;
      return async (...args: unknown[]) => {
        gauge.enter(prop);
        try {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return await Reflect.apply(value, obj, args);
        } finally {
          gauge.leave();
        }
      };
    },
  });
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(maxInFlight: number, clients: number, coalesceLeases = true) {
  const gauge = new Gauge();
  const memory = createMemoryStores();
  await memory.init();
  const backing: StateStores = {
    state: counted(memory.state, gauge, 3),
    pauses: counted(memory.pauses, gauge, 3),
    queue: counted(memory.queue, gauge, 3),
    flow: memory.flow,
  };
  const coordinator = await coordinate(backing, { maxInFlight, coalesceLeases });
  const remotes: RemoteStores[] = Array.from({ length: clients }, () => createRemoteStores(coordinator.url));
  cleanups.push(async () => {
    await Promise.all(remotes.map((r) => r.close()));
    await coordinator.close();
    await memory.close();
  });
  return { gauge, coordinator, remotes };
}

function item(id: string) {
  return { id, kind: "step" as const, runId: `run-${id}`, tenant: `t${id.length % 3}`, payload: { id }, availableAt: 0, attempt: 0 };
}

describe("the coordinator's concurrency limit", () => {
  it("100 concurrent calls from one client never run more than maxInFlight backend operations at once", async () => {
    const { gauge, coordinator, remotes } = await setup(4, 1, false);
    const [remote] = remotes as [RemoteStores];
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => remote.queue.enqueue(item(`job-${i}`))));
    expect(results.every(Boolean)).toBe(true);
    expect(gauge.total).toBe(100);
    expect(gauge.max).toBe(4); // never more, and the limit was reached: the calls did overlap
    expect(coordinator.health()).toMatchObject({ peakInFlight: 4, inFlight: 0, waiting: 0, maxInFlight: 4 });
    expect(await remote.queue.size()).toBe(100);
  });

  it("holds across many clients (engine processes) and every kind of call", async () => {
    const { gauge, remotes } = await setup(3, 5, false);
    const calls = remotes.flatMap((remote, c) =>
      Array.from({ length: 20 }, (_, i) => {
        const id = `c${c}-${i}`;
        switch (i % 4) {
          case 0:
            return remote.queue.enqueue(item(id));
          case 1:
            return remote.state.loadRun(id);
          case 2:
            return remote.pauses.pausesOfRun(id);
          default:
            return remote.queue.nextAvailableAt(0);
        }
      }),
    );
    await Promise.all(calls);
    expect(gauge.total).toBe(100);
    expect(gauge.max).toBe(3);
  });
});

describe("lease batching", () => {
  it("lease calls waiting for a busy backend share one backend lease, each getting distinct items within its limit", async () => {
    const { gauge, coordinator, remotes } = await setup(1, 4);
    const [first] = remotes as [RemoteStores];
    for (let i = 0; i < 30; i++) await first.queue.enqueue(item(`job-${String(i).padStart(2, "0")}`));
    const leaseCalls = gauge.byMethod.get("lease") ?? 0;
    const limits = Array.from({ length: 20 }, (_, i) => 1 + (i % 3));
    const got = await Promise.all(limits.map((limit, i) => (remotes[i % 4] as RemoteStores).queue.lease({ now: 0, leaseMs: 30_000, limit })));
    got.forEach((leases, i) => {
      expect(leases.length).toBeLessThanOrEqual(limits[i] as number);
    });
    const ids = got.flat().map((l) => l.item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(30); // 40 asked for, 30 there: every item went out exactly once
    expect(got.flat().every((l) => l.expiresAt === 30_000)).toBe(true);
    const backendLeases = (gauge.byMethod.get("lease") ?? 0) - leaseCalls;
    expect(backendLeases).toBeLessThan(20);
    expect(coordinator.health().mergedLeases).toBe(20 - backendLeases);
    expect(gauge.max).toBe(1);
    // The dealt items are real leases: their tokens dequeue.
    const dequeued = await Promise.all(got.flat().map((l) => first.queue.dequeue(l.token)));
    expect(dequeued.every(Boolean)).toBe(true);
  });
});
