// The worker's hand-off: a job due at once is queued already leased and run straight away when the
// worker is idle, and queued for the fair lease when it has a backlog or the job is not yet due.
import { MemoryQueue, systemClock, type Lease, type QueueItem } from "@weft/store";
import { expect, it } from "vitest";
import { stopAfterEach, until } from "../test/worker-harness.js";
import type { JobOutcome } from "./context.js";
import { silentLogger } from "./logger.js";
import { Worker } from "./worker.js";

const job = (id: string, availableAt = Date.now()): QueueItem => ({
  id,
  kind: "discover",
  runId: `run-${id}`,
  tenant: "t",
  payload: {},
  availableAt,
  attempt: 0,
});

/** A memory queue that records which ids `lease` handed out, and a worker whose jobs wait for `release`. */
function setup(concurrency: number) {
  const queue = new MemoryQueue();
  const leasedByLease: string[] = [];
  const lease = queue.lease.bind(queue);
  queue.lease = async (opts) => {
    const got = await lease(opts);
    leasedByLease.push(...got.map((l) => l.item.id));
    return got;
  };
  const handled: Lease[] = [];
  const releases: (() => void)[] = [];
  const worker = new Worker(
    queue,
    (l) =>
      new Promise<JobOutcome>((resolve) => {
        handled.push(l);
        releases.push(() => resolve({ type: "done" }));
      }),
    // One tenant may use every slot here: the cap per app is app-call-limiter.test.ts's subject.
    { concurrency, maxCallsPerApp: concurrency, leaseMs: 10_000, pollMs: 50, clock: systemClock, log: silentLogger },
  );
  const releaseAll = () => {
    for (const r of releases.splice(0)) r();
  };
  return { queue, worker, handled, leasedByLease, releaseAll };
}

const setStop = stopAfterEach();

it("an idle worker takes a job due now in the write that queues it, without a lease", async () => {
  const { queue, worker, handled, leasedByLease, releaseAll } = setup(4);
  worker.start();
  setStop(async () => (releaseAll(), await worker.stop()));
  await new Promise((r) => setTimeout(r, 20)); // its first lease found the queue empty
  expect(await worker.enqueue(job("a"))).toBe(true);
  expect(handled.map((l) => l.item.id)).toEqual(["a"]); // running already, before any wakeup
  expect(handled[0]?.deliveries).toBe(1);
  expect(leasedByLease).toEqual([]);
  expect(await worker.enqueue(job("a"))).toBe(false); // a seen id, as with Queue.enqueue
  releaseAll();
  await until(async () => (await queue.size()) === 0); // done, and dequeued with its token
});

it("with a backlog, or for a job not yet due, it queues the job for the fair lease", async () => {
  const { queue, worker, handled, leasedByLease, releaseAll } = setup(2);
  for (const id of ["q1", "q2", "q3"]) await queue.enqueue(job(id));
  worker.start();
  setStop(async () => (releaseAll(), await worker.stop()));
  await until(() => handled.length === 2); // the lease filled both slots: a backlog
  expect(await worker.enqueue(job("late"))).toBe(true);
  expect(await worker.enqueue(job("future", Date.now() + 60_000))).toBe(true);
  expect(handled.map((l) => l.item.id)).toEqual(["q1", "q2"]);
  // Released, the rest come through the lease, oldest first; the future job stays queued.
  while (handled.length < 4) {
    releaseAll();
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(handled.map((l) => l.item.id)).toEqual(["q1", "q2", "q3", "late"]);
  expect(leasedByLease).toEqual(["q1", "q2", "q3", "late"]);
  expect(await queue.size()).toBeGreaterThanOrEqual(1);
});

it("enqueueMany hands off as many jobs as the worker has room for and queues the rest in one write", async () => {
  const { queue, worker, handled, leasedByLease, releaseAll } = setup(3);
  const groups: string[][] = [];
  const enqueueMany = queue.enqueueMany.bind(queue);
  queue.enqueueMany = async (items) => (groups.push(items.map((i) => i.id)), enqueueMany(items));
  worker.start();
  setStop(async () => (releaseAll(), await worker.stop()));
  await new Promise((r) => setTimeout(r, 20)); // its first lease found the queue empty
  const later = job("later", Date.now() + 60_000);
  expect(await worker.enqueueMany([job("a"), later, job("b"), job("a"), job("c"), job("d"), job("e")])).toEqual([true, true, true, false, true, true, true]);
  // Three slots: a, b and c run at once; the rest (and the repeat of a) went in one write.
  expect(handled.map((l) => l.item.id)).toEqual(["a", "b", "c"]);
  expect(groups).toEqual([["later", "a", "d", "e"]]);
  while (handled.length < 5) {
    releaseAll();
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(leasedByLease).toEqual(["d", "e"]);
  // d and e hold two slots: f takes the last one, g is queued.
  expect(await worker.enqueueMany([job("f"), job("g")])).toEqual([true, true]);
  expect(handled.at(-1)?.item.id).toBe("f");
  expect(groups.at(-1)).toEqual(["g"]);
});
