import type { Queue, QueueItem } from "@weft/store";
import { expect } from "vitest";

function item(id: string, availableAt: number): QueueItem {
  return { id, kind: "discover", runId: "run-1", tenant: "t", payload: { id }, availableAt, attempt: 0 };
}

/** Resolves once `heard` has an entry, or after `ms`. */
async function until(heard: readonly number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (heard.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Two queues on one Redis and one key prefix, as in two processes: an enqueue or requeue through `a`
 * wakes `b`'s listener through Redis, and `a`'s own listener hears each of its calls exactly once.
 */
export async function expectCrossProcessWakeups(a: Queue, b: Queue, now: number): Promise<void> {
  const heardByA: number[] = [];
  const heardByB: number[] = [];
  a.subscribe((at) => heardByA.push(at));
  b.subscribe((at) => heardByB.push(at));
  // The subscription connects in the background: enqueue until B hears one (each is a new job).
  let n = 0;
  while (heardByB.length === 0 && n < 50) {
    await a.enqueue(item(`wake-${n}`, now + n));
    n += 1;
    await until(heardByB, 100);
  }
  expect(heardByB.length, "b never heard a's enqueues").toBeGreaterThan(0);
  expect(heardByB.every((at) => at >= now && at < now + n)).toBe(true);

  heardByB.length = 0;
  const [held] = await a.lease({ now: now + n, leaseMs: 1_000, limit: 1 });
  expect(await a.requeue(held?.token ?? "", { availableAt: now + 777, attempt: 1 })).toBe(true);
  await until(heardByB, 2_000);
  expect(heardByB).toEqual([now + 777]);
  // Its own wakeups come back through Redis too; they must not be heard a second time.
  await new Promise((r) => setTimeout(r, 50));
  expect(heardByA).toEqual([...Array.from({ length: n }, (_, i) => now + i), now + 777]);
}
