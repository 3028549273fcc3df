// Fair share across apps: one app's calling jobs hold at most `maxCallsPerApp` worker slots, the
// rest are held back in the queue (no attempt spent, their order kept), and another app's jobs run
// past them, through the lease and through the hand-off alike.
import { MemoryQueue, systemClock, type Lease, type QueueItem } from "@weft/store";
import { describe, expect, it } from "vitest";
import { stopAfterEach, until } from "../test/worker-harness.js";
import { AppCallLimiter, defaultMaxCallsPerApp } from "./app-call-limiter.js";
import type { JobOutcome } from "./context.js";
import type { JobKind } from "./jobs.js";
import { silentLogger } from "./logger.js";
import { Worker } from "./worker.js";

let seq = 0;
const job = (tenant: string, id: string, kind: JobKind = "discover"): QueueItem => ({
  id,
  kind,
  runId: `run-${id}`,
  tenant,
  payload: {},
  // Strictly increasing, so "oldest first within a tenant" is the order they were made in.
  availableAt: Date.now() - 1000 + seq++,
  attempt: 0,
});

describe("AppCallLimiter", () => {
  it("counts calling jobs per app, up to the cap, and lets other jobs through", () => {
    const limiter = new AppCallLimiter(2);
    expect(limiter.tryAcquire(job("a", "1"))).toBe(true);
    expect(limiter.tryAcquire(job("a", "2", "gateway"))).toBe(true);
    expect(limiter.isFull(job("a", "3"))).toBe(true);
    expect(limiter.tryAcquire(job("a", "3", "step"))).toBe(false);
    expect(limiter.inFlight("a")).toBe(2); // a refusal takes nothing
    // Another app, and jobs that call no app, are not held by app a's calls.
    expect(limiter.tryAcquire(job("b", "4"))).toBe(true);
    expect(limiter.tryAcquire(job("a", "5", "event"))).toBe(true);
    expect(limiter.tryAcquire(job("a", "6", "wake"))).toBe(true);
    limiter.release(job("a", "1"));
    expect(limiter.tryAcquire(job("a", "3", "step"))).toBe(true);
  });

  it("defaults to half the worker, never below one, and refuses a cap that is not a positive integer", () => {
    expect(defaultMaxCallsPerApp(32)).toBe(16);
    expect(defaultMaxCallsPerApp(1)).toBe(1);
    expect(() => new AppCallLimiter(0)).toThrow(/positive integer/);
    expect(() => new AppCallLimiter(1.5)).toThrow(/positive integer/);
  });
});

/** A worker whose jobs run until released one by one; it records every lease its queue gave. */
function setup(concurrency: number, maxCallsPerApp: number) {
  const queue = new MemoryQueue();
  const leased: QueueItem[] = [];
  const lease = queue.lease.bind(queue);
  queue.lease = async (opts) => {
    const got = await lease(opts);
    leased.push(...got.map((l) => l.item));
    return got;
  };
  const running = new Map<string, () => void>();
  const started: Lease[] = [];
  const worker = new Worker(
    queue,
    (l) =>
      new Promise<JobOutcome>((resolve) => {
        started.push(l);
        running.set(l.item.id, () => resolve({ type: "done" }));
      }),
    { concurrency, maxCallsPerApp, leaseMs: 10_000, pollMs: 50, clock: systemClock, log: silentLogger },
  );
  const finish = (id: string) => {
    running.get(id)?.();
    running.delete(id);
  };
  const finishAll = () => [...running.keys()].forEach(finish);
  return { queue, worker, started, leased, running, finish, finishAll };
}

const setStop = stopAfterEach();

describe("Worker with a cap per app", () => {
  it("runs another app's jobs while one app's calls hang in every slot it may take", async () => {
    const { queue, worker, started, leased, running, finish, finishAll } = setup(4, 2);
    setStop(async () => (finishAll(), await worker.stop()));
    for (let i = 1; i <= 6; i++) await queue.enqueue(job("hung", `a${i}`));
    worker.start();
    await until(() => running.size === 2);
    // App b's work arrives behind app a's backlog and runs at once, twice over.
    await queue.enqueue(job("b", "b1"));
    await until(() => running.has("b1"));
    finish("b1");
    await queue.enqueue(job("b", "b2"));
    await until(() => running.has("b2"));
    finish("b2");
    // Held back, never run: app a still has exactly its two slots, the rest are queued as they were.
    await until(() => leased.some((i) => i.id === "a3"));
    expect([...running.keys()]).toEqual(["a1", "a2"]);
    expect(await queue.size()).toBe(6);
    // As app a's calls end, its jobs run in the order they were queued, none with an attempt spent.
    finish("a1");
    await until(() => running.has("a3"));
    expect([...running.keys()]).toEqual(["a2", "a3"]);
    finish("a2");
    finish("a3");
    await until(() => running.has("a4") && running.has("a5"));
    finish("a4");
    finish("a5");
    await until(() => running.has("a6"));
    expect(started.map((l) => l.item.id)).toEqual(["a1", "a2", "b1", "b2", "a3", "a4", "a5", "a6"]);
    expect(started.every((l) => l.item.attempt === 0)).toBe(true);
  });

  it("does not hand off a job whose app is at its cap: it is queued, and runs when the app has room", async () => {
    const { queue, worker, running, finish, finishAll } = setup(4, 1);
    setStop(async () => (finishAll(), await worker.stop()));
    worker.start();
    await new Promise((r) => setTimeout(r, 20)); // its first lease found the queue empty
    await worker.enqueue(job("a", "a1"));
    expect([...running.keys()]).toEqual(["a1"]); // handed off
    await worker.enqueue(job("a", "a2"));
    expect([...running.keys()]).toEqual(["a1"]); // app a is at its cap: queued instead
    expect(await queue.size()).toBe(2);
    await worker.enqueue(job("b", "b1"));
    await until(() => running.has("b1"));
    finish("a1");
    await until(() => running.has("a2"));
  });
});
