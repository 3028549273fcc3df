import { defaultDedupeWindowMs, type Lease } from "@weft/store";
import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";
import { item } from "./fixtures.js";

const lease = { leaseMs: 30_000, limit: 10 };

export function queueCases(test: DefineCase): void {
  test("enqueue then lease hands out the item with a token and expiry", async ({ stores, clock }) => {
    const now = clock.now();
    const job = item("job-1", now, { kind: "step", payload: { stepId: "s1", nested: { a: [1, 2] } } });
    expect(await stores.queue.enqueue(job)).toBe(true);
    expect(await stores.queue.size()).toBe(1);
    const leases = await stores.queue.lease({ now, ...lease });
    expect(leases).toHaveLength(1);
    expect(leases[0]?.item).toEqual(job);
    expect(leases[0]?.expiresAt).toBe(now + lease.leaseMs);
    expect(typeof leases[0]?.token).toBe("string");
    expect(await stores.queue.size()).toBe(1);
    expect(await stores.queue.lease({ now, ...lease })).toEqual([]);
  });

  test("a seen id is refused while queued, leased, and for the dedupe window after dequeue", async ({ stores, clock }) => {
    const now = clock.now();
    expect(await stores.queue.enqueue(item("dup", now))).toBe(true);
    expect(await stores.queue.enqueue(item("dup", now, { payload: { other: true } }))).toBe(false);
    const [held] = await stores.queue.lease({ now, ...lease });
    expect(await stores.queue.enqueue(item("dup", now))).toBe(false);
    expect(await stores.queue.dequeue(held?.token ?? "")).toBe(true);
    expect(await stores.queue.size()).toBe(0);
    expect(await stores.queue.enqueue(item("dup", now))).toBe(false);
    clock.advance(defaultDedupeWindowMs - 1_000);
    expect(await stores.queue.enqueue(item("dup", clock.now()))).toBe(false);
    expect(await stores.queue.size()).toBe(0);
    clock.advance(2_000);
    expect(await stores.queue.enqueue(item("dup", clock.now()))).toBe(true);
    expect(await stores.queue.size()).toBe(1);
  });

  test("at most one live lease per item under concurrent lease calls", async ({ stores, clock }) => {
    const now = clock.now();
    for (let i = 0; i < 20; i++) await stores.queue.enqueue(item(`job-${i}`, now, { tenant: `t${i % 3}` }));
    const batches = await Promise.all(Array.from({ length: 10 }, () => stores.queue.lease({ now, leaseMs: 30_000, limit: 5 })));
    const leased = batches.flat().map((l) => l.item.id);
    expect(leased).toHaveLength(20);
    expect(new Set(leased).size).toBe(20);
    expect(await stores.queue.lease({ now: now + 29_999, ...lease })).toEqual([]);
  });

  test("a stale token cannot extend, requeue or dequeue", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.queue.enqueue(item("job", now));
    const [first] = await stores.queue.lease({ now, leaseMs: 1_000, limit: 1 });
    const [second] = await stores.queue.lease({ now: now + 1_000, leaseMs: 1_000, limit: 1 });
    expect(second?.item.id).toBe("job");
    expect(second?.token).not.toBe(first?.token);
    const stale = first?.token ?? "";
    expect(await stores.queue.extend(stale, now + 1_000, 60_000)).toBe(false);
    expect(await stores.queue.requeue(stale, { availableAt: now, attempt: 5 })).toBe(false);
    expect(await stores.queue.dequeue(stale)).toBe(false);
    expect(await stores.queue.extend("not-a-token", now, 1_000)).toBe(false);
    expect(await stores.queue.dequeue(":job")).toBe(false);
    expect(await stores.queue.size()).toBe(1);
    // The stale calls changed nothing: the second lease still runs out at its own expiry.
    expect(await stores.queue.lease({ now: now + 1_999, ...lease })).toEqual([]);
    expect(await stores.queue.dequeue(second?.token ?? "")).toBe(true);
    expect(await stores.queue.size()).toBe(0);
  });

  test("an expired lease is redelivered, counting its deliveries; a requeued or dequeued item's token is dead", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.queue.enqueue(item("job", now, { attempt: 1 }));
    const [first] = await stores.queue.lease({ now, leaseMs: 5_000, limit: 1 });
    expect(await stores.queue.lease({ now: now + 4_999, ...lease })).toEqual([]);
    const [again] = await stores.queue.lease({ now: now + 5_000, ...lease });
    expect(again?.item).toEqual(first?.item);
    // The engine tells a redelivery by its count (it repairs what a dead holder left half done).
    expect([first?.deliveries, again?.deliveries]).toEqual([1, 2]);
    expect(await stores.queue.requeue(again?.token ?? "", { availableAt: now + 10_000, attempt: 2 })).toBe(true);
    expect(await stores.queue.dequeue(again?.token ?? "")).toBe(false);
    expect(await stores.queue.extend(again?.token ?? "", now + 5_000, 1_000)).toBe(false);
  });

  test("enqueueLeased adds an item already leased: first lease, fenced, redelivered once it lapses", async ({ stores, clock }) => {
    const now = clock.now();
    const heard: number[] = [];
    const unsubscribe = stores.queue.subscribe((at) => heard.push(at));
    const job = item("handed", now, { kind: "step", payload: { stepId: "s1" } });
    const held = await stores.queue.enqueueLeased(job, { now, leaseMs: 5_000 });
    unsubscribe();
    expect(held?.item).toEqual(job);
    expect(held?.expiresAt).toBe(now + 5_000);
    expect(held?.deliveries).toBe(1);
    expect(heard).toEqual([]); // nobody else is meant to take it
    expect(await stores.queue.size()).toBe(1);
    // Live: not leasable, not due, and its id is seen.
    expect(await stores.queue.lease({ now: now + 4_999, ...lease })).toEqual([]);
    expect(await stores.queue.nextAvailableAt(now + 4_999)).toBeUndefined();
    expect(await stores.queue.enqueue(item("handed", now))).toBe(false);
    expect(await stores.queue.enqueueLeased(item("handed", now), { now, leaseMs: 5_000 })).toBeUndefined();
    expect(await stores.queue.extend(held?.token ?? "", now + 4_000, 5_000)).toBe(true);
    // Lapsed (the holder died): anyone leases it again, and the first token is stale.
    const [again] = await stores.queue.lease({ now: now + 9_000, ...lease });
    expect(again?.item).toEqual(job);
    expect(again?.deliveries).toBe(2);
    expect(await stores.queue.dequeue(held?.token ?? "")).toBe(false);
    expect(await stores.queue.dequeue(again?.token ?? "")).toBe(true);
    expect(await stores.queue.size()).toBe(0);
    expect(await stores.queue.enqueueLeased(item("handed", now + 9_000), { now: now + 9_000, leaseMs: 5_000 })).toBeUndefined();
  });

  test("enqueueMany adds each item as enqueue would, answered in order", async ({ stores, clock }) => {
    const now = clock.now();
    const heard: number[] = [];
    const unsubscribe = stores.queue.subscribe((at) => heard.push(at));
    expect(await stores.queue.enqueue(item("seen", now))).toBe(true);
    const group = [
      item("a", now, { kind: "event", runId: undefined, tenant: "env", payload: { event: { name: "x", data: { n: [1, 2] } } } }),
      item("seen", now, { payload: { other: true } }),
      item("b", now + 1_000, { runId: "run-b", tenant: "tenant-b" }),
      item("a", now, { kind: "event", runId: undefined, tenant: "env", payload: { again: true } }),
      item("c", now, { runId: "run-b", attempt: 2 }),
    ];
    expect(await stores.queue.enqueueMany(group)).toEqual([true, false, true, false, true]);
    unsubscribe();
    expect(heard).toHaveLength(4); // "seen" once, then the three added, whatever their order
    expect(heard.filter((at) => at === now + 1_000)).toHaveLength(1);
    expect(await stores.queue.enqueueMany([])).toEqual([]);
    expect(await stores.queue.size()).toBe(4);
    // Queued as given: leased in order, the later one once due.
    const leases = await stores.queue.lease({ now, ...lease });
    expect(new Map(leases.map((l) => [l.item.id, l.item]))).toEqual(
      new Map([
        ["seen", item("seen", now)],
        ["a", group[0]],
        ["c", group[4]],
      ]),
    );
    expect(await stores.queue.enqueueMany([item("a", now, { runId: undefined })])).toEqual([false]);
    await stores.queue.dropRun("run-b");
    expect(await stores.queue.size()).toBe(2);
    expect(await stores.queue.enqueueMany([item("b", now, { runId: "run-b" }), item("d", now)])).toEqual([false, true]);
  });

  test("concurrent enqueues and dequeues of the same items: one winner each", async ({ stores, clock }) => {
    const now = clock.now();
    const ids = Array.from({ length: 40 }, (_, i) => `job-${i}`);
    // Each id twice, one-by-one and in groups, all at once: exactly one of its enqueues wins.
    const answers = await Promise.all([
      ...ids.map((id) => stores.queue.enqueue(item(id, now))),
      stores.queue.enqueueMany(ids.slice(0, 20).map((id) => item(id, now))),
      ...ids.slice(20).map((id) => stores.queue.enqueueMany([item(id, now)])),
    ]);
    const wins = new Map<string, number>(ids.map((id) => [id, 0]));
    for (const [i, id] of ids.entries()) if (answers[i] === true) wins.set(id, (wins.get(id) ?? 0) + 1);
    for (const [k, ok] of ((answers[ids.length] as boolean[]) ?? []).entries()) if (ok) wins.set(ids[k] as string, (wins.get(ids[k] as string) ?? 0) + 1);
    for (const [k, got] of answers.slice(ids.length + 1).entries())
      if ((got as boolean[])[0]) wins.set(ids[20 + k] as string, (wins.get(ids[20 + k] as string) ?? 0) + 1);
    expect([...wins.values()]).toEqual(ids.map(() => 1));
    expect(await stores.queue.size()).toBe(ids.length);
    // Each token dequeued twice at once: one answers true, and every item is gone.
    const leases = await stores.queue.lease({ now, leaseMs: 30_000, limit: ids.length });
    expect(leases).toHaveLength(ids.length);
    const done = await Promise.all(leases.flatMap((l) => [stores.queue.dequeue(l.token), stores.queue.dequeue(l.token)]));
    for (let i = 0; i < leases.length; i++) expect([done[2 * i], done[2 * i + 1]].filter(Boolean)).toHaveLength(1);
    expect(await stores.queue.size()).toBe(0);
    expect(await stores.queue.enqueueMany(ids.map((id) => item(id, now)))).toEqual(ids.map(() => false));
  });

  test("a lease counts its deliveries: 1 the first time, one more each time a lapsed or requeued item is leased again", async ({ stores, clock }) => {
    const now = clock.now();
    const deliveries = (leases: Lease[]) => Object.fromEntries(leases.map((l) => [l.item.id, l.deliveries]));
    await stores.queue.enqueue(item("leased", now));
    expect(deliveries(await stores.queue.lease({ now, leaseMs: 5_000, limit: 10 }))).toEqual({ leased: 1 });
    const handed = await stores.queue.enqueueLeased(item("handed", now), { now, leaseMs: 5_000 });
    expect(handed?.deliveries).toBe(1);
    // Requeued: its next lease is its second delivery.
    expect(await stores.queue.requeue(handed?.token ?? "", { availableAt: now, attempt: 1 })).toBe(true);
    expect(deliveries(await stores.queue.lease({ now, leaseMs: 5_000, limit: 10 }))).toEqual({ handed: 2 });
    // Both leases lapse: "leased" is delivered a second time, "handed" a third.
    expect(deliveries(await stores.queue.lease({ now: now + 5_000, leaseMs: 5_000, limit: 10 }))).toEqual({ leased: 2, handed: 3 });
  });

  test("enqueueLeased items are dequeued, requeued and dropped like leased ones", async ({ stores, clock }) => {
    const now = clock.now();
    const done = await stores.queue.enqueueLeased(item("done", now), { now, leaseMs: 5_000 });
    expect(await stores.queue.dequeue(done?.token ?? "")).toBe(true);
    const later = await stores.queue.enqueueLeased(item("later", now), { now, leaseMs: 5_000 });
    expect(await stores.queue.requeue(later?.token ?? "", { availableAt: now + 1_000, attempt: 1 })).toBe(true);
    expect(await stores.queue.lease({ now: now + 999, ...lease })).toEqual([]);
    const [retried] = await stores.queue.lease({ now: now + 1_000, ...lease });
    expect(retried?.item).toMatchObject({ id: "later", attempt: 1, availableAt: now + 1_000 });
    const dropped = await stores.queue.enqueueLeased(item("dropped", now, { runId: "run-drop" }), { now, leaseMs: 5_000 });
    await stores.queue.dropRun("run-drop");
    expect(await stores.queue.dequeue(dropped?.token ?? "")).toBe(false);
    expect(await stores.queue.size()).toBe(1); // "later", still leased
  });

  test("extend pushes a lease's expiry out", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.queue.enqueue(item("job", now));
    const [held] = await stores.queue.lease({ now, leaseMs: 1_000, limit: 1 });
    expect(await stores.queue.extend(held?.token ?? "", now + 900, 10_000)).toBe(true);
    expect(await stores.queue.lease({ now: now + 5_000, ...lease })).toEqual([]);
    expect(await stores.queue.nextAvailableAt(now + 5_000)).toBeUndefined();
    expect(await stores.queue.lease({ now: now + 10_900, ...lease })).toHaveLength(1);
  });

  test("items are not leased before availableAt, and come out oldest first within a tenant", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.queue.enqueue(item("later", now + 3_000));
    await stores.queue.enqueue(item("soon", now + 1_000));
    await stores.queue.enqueue(item("sooner", now + 500));
    await stores.queue.enqueue(item("now-2", now));
    await stores.queue.enqueue(item("now-1", now - 10));
    expect((await stores.queue.lease({ now, ...lease })).map((l) => l.item.id)).toEqual(["now-1", "now-2"]);
    expect(await stores.queue.lease({ now: now + 999, ...lease })).toHaveLength(1);
    const rest = await stores.queue.lease({ now: now + 5_000, ...lease });
    expect(rest.map((l) => l.item.id)).toEqual(["soon", "later"]);
  });

  test("nextAvailableAt is the earliest availableAt of items not under a live lease", async ({ stores, clock }) => {
    const now = clock.now();
    expect(await stores.queue.nextAvailableAt(now)).toBeUndefined();
    await stores.queue.enqueue(item("held", now - 100));
    const [held] = await stores.queue.lease({ now, leaseMs: 10_000, limit: 1 });
    expect(await stores.queue.nextAvailableAt(now)).toBeUndefined();
    await stores.queue.enqueue(item("b", now + 2_000));
    await stores.queue.enqueue(item("a", now + 1_000, { tenant: "tenant-b" }));
    expect(await stores.queue.nextAvailableAt(now)).toBe(now + 1_000);
    // Once the lease has expired, its item counts again.
    expect(await stores.queue.nextAvailableAt(now + 10_000)).toBe(now - 100);
    expect(await stores.queue.dequeue(held?.token ?? "")).toBe(true);
    expect(await stores.queue.nextAvailableAt(now + 10_000)).toBe(now + 1_000);
  });

  test("requeue puts an item back with a new attempt and availableAt", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.queue.enqueue(item("job", now));
    const [held] = await stores.queue.lease({ now, ...lease });
    expect(await stores.queue.requeue(held?.token ?? "", { availableAt: now + 60_000, attempt: 1 })).toBe(true);
    expect(await stores.queue.size()).toBe(1);
    expect(await stores.queue.nextAvailableAt(now)).toBe(now + 60_000);
    expect(await stores.queue.lease({ now: now + 59_999, ...lease })).toEqual([]);
    const [next] = await stores.queue.lease({ now: now + 60_000, ...lease });
    expect(next?.item).toMatchObject({ id: "job", attempt: 1, availableAt: now + 60_000 });
  });

  test("dropRun removes a run's items, leased or not, and refuses their ids", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.queue.enqueue(item("r1-a", now, { runId: "r1" }));
    await stores.queue.enqueue(item("r1-b", now + 5_000, { runId: "r1" }));
    await stores.queue.enqueue(item("r2-a", now, { runId: "r2" }));
    await stores.queue.enqueue(item("event", now, { kind: "event", runId: undefined }));
    const leased = await stores.queue.lease({ now, leaseMs: 30_000, limit: 1 });
    expect(leased[0]?.item.id).toBe("r1-a");
    await stores.queue.dropRun("r1");
    expect(await stores.queue.size()).toBe(2);
    expect(await stores.queue.dequeue(leased[0]?.token ?? "")).toBe(false);
    expect(await stores.queue.enqueue(item("r1-b", now, { runId: "r1" }))).toBe(false);
    const rest = await stores.queue.lease({ now: now + 10_000, ...lease });
    expect(rest.map((l) => l.item.id).sort()).toEqual(["event", "r2-a"]);
    expect(rest.find((l) => l.item.id === "event")?.item.runId).toBeUndefined();
  });

  test("subscribe is told the availableAt of each enqueue and requeue until unsubscribed", async ({ stores, clock }) => {
    const now = clock.now();
    const heard: number[] = [];
    const unsubscribe = stores.queue.subscribe((at) => heard.push(at));
    await stores.queue.enqueue(item("a", now + 5));
    await stores.queue.enqueue(item("a", now + 6));
    const [held] = await stores.queue.lease({ now: now + 5, ...lease });
    await stores.queue.requeue(held?.token ?? "", { availableAt: now + 50, attempt: 1 });
    unsubscribe();
    await stores.queue.enqueue(item("b", now + 7));
    expect(heard).toEqual([now + 5, now + 50]);
  });

  test("queue items are copied in and out", async ({ stores, clock }) => {
    const now = clock.now();
    const job = item("job", now, { payload: { list: [1] } });
    await stores.queue.enqueue(job);
    (job.payload.list as number[]).push(2);
    const [held] = await stores.queue.lease({ now, leaseMs: 1_000, limit: 1 });
    expect(held?.item.payload).toEqual({ list: [1] });
    (held?.item.payload.list as number[] | undefined)?.push(3);
    const [again] = await stores.queue.lease({ now: now + 1_000, leaseMs: 1_000, limit: 1 });
    expect(again?.item.payload).toEqual({ list: [1] });
  });

  test("statsByKind counts items per kind and finds each kind's oldest due unleased item", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.queue.enqueue(item("s-old", now - 3_000, { kind: "step" }));
    await stores.queue.enqueue(item("s-new", now - 1_000, { kind: "step" }));
    await stores.queue.enqueue(item("s-later", now + 60_000, { kind: "step" }));
    await stores.queue.enqueue(item("w-later", now + 60_000, { kind: "wake" }));
    await stores.queue.enqueue(item("e-1", now - 2_000, { kind: "event" }));
    const byKind = async (at: number) => Object.fromEntries((await stores.queue.statsByKind(at)).filter((s) => s.depth > 0).map((s) => [s.kind, s]));
    expect(await byKind(now)).toEqual({
      step: { kind: "step", depth: 3, oldestDueAt: now - 3_000 },
      wake: { kind: "wake", depth: 1, oldestDueAt: undefined },
      event: { kind: "event", depth: 1, oldestDueAt: now - 2_000 },
    });
    // A leased item still counts in the depth but is no longer waiting; a dequeued one is gone.
    const leased = await stores.queue.lease({ now, leaseMs: 30_000, limit: 10 });
    const event = leased.find((l) => l.item.kind === "event");
    await stores.queue.dequeue(event?.token ?? "");
    const after = await byKind(now);
    expect(after.step).toEqual({ kind: "step", depth: 3, oldestDueAt: undefined });
    expect(after.event).toBeUndefined();
    await stores.queue.dropRun("no-such-run");
    expect((await byKind(now + 60_000)).wake).toEqual({ kind: "wake", depth: 1, oldestDueAt: now + 60_000 });
  });
}
