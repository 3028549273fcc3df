// A lease the worker gives back without running any of the job (held for its app's cap, or turned
// away by its handler as `untouched`) is not a delivery: the handler sees `deliveries` less those,
// so a job turned away is never taken for one that ran and may have left work half done.
import { MemoryQueue, systemClock, type Lease, type QueueItem } from "@weft/store";
import { expect, it } from "vitest";
import { stopAfterEach, until } from "../test/worker-harness.js";
import type { JobOutcome } from "./context.js";
import { silentLogger } from "./logger.js";
import { Worker } from "./worker.js";

const job = (tenant: string, id: string): QueueItem => ({ id, kind: "discover", runId: `run-${id}`, tenant, payload: {}, availableAt: Date.now(), attempt: 0 });

/** A worker whose handler answers what `answer` says for each lease, recording the leases it is given. */
function setup(answer: (lease: Lease, nth: number) => JobOutcome | Promise<JobOutcome>, maxCallsPerApp = 4) {
  const queue = new MemoryQueue();
  const seen: Lease[] = [];
  const worker = new Worker(queue, async (lease) => answer(lease, seen.push(lease)), {
    concurrency: 4,
    maxCallsPerApp,
    leaseMs: 10_000,
    pollMs: 20,
    clock: systemClock,
    log: silentLogger,
  });
  setStop(() => worker.stop());
  return { queue, worker, seen };
}

const setStop = stopAfterEach();

/** Back to the queue, due at once; `untouched`: turned away before doing anything. */
const soon = (untouched?: true): JobOutcome => ({ type: "retry", availableAt: Date.now(), attempt: 0, ...(untouched ? { untouched } : {}) });

it("a job its handler turned away untouched is handed over next time as a first delivery", async () => {
  const { queue, worker, seen } = setup((_lease, nth) => (nth <= 2 ? soon(true) : { type: "done" }));
  await queue.enqueue(job("a", "j"));
  worker.start();
  await until(() => seen.length === 3);
  expect(seen.map((l) => l.deliveries)).toEqual([1, 1, 1]);
});

it("a job that ran and was requeued counts every delivery, the untouched ones before it included", async () => {
  const outcomes: JobOutcome[] = [soon(true), soon(), soon(true), { type: "done" }];
  const { queue, worker, seen } = setup((_lease, nth) => outcomes[nth - 1] as JobOutcome);
  await queue.enqueue(job("a", "j"));
  worker.start();
  await until(() => seen.length === 4);
  // The second lease ran the job: the leases after it count it, and only it.
  expect(seen.map((l) => l.deliveries)).toEqual([1, 1, 2, 2]);
});

it("a job held back for its app's cap runs as a first delivery", async () => {
  let release: () => void = () => {};
  const { queue, worker, seen } = setup(
    (lease) => (lease.item.id === "first" ? new Promise<JobOutcome>((r) => (release = () => r({ type: "done" }))) : { type: "done" }),
    1,
  );
  await queue.enqueue(job("a", "first"));
  worker.start();
  await until(() => seen.length === 1);
  const lease = queue.lease.bind(queue);
  let leasesOfSecond = 0;
  queue.lease = async (opts) => {
    const got = await lease(opts);
    leasesOfSecond += got.filter((l) => l.item.id === "second").length;
    return got;
  };
  await queue.enqueue(job("a", "second"));
  await until(() => leasesOfSecond >= 2); // leased and held back (app a is at its cap), at least twice
  release();
  await until(() => seen.length === 2);
  expect(seen[1]?.item.id).toBe("second");
  expect(seen[1]?.deliveries).toBe(1);
});
