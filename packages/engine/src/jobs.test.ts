// The job protocol: ids keep their spelling (queued jobs and their dedupe outlive a deploy), the
// discovery id reads back, and a leased job reaches the handler of its kind, with its delivery count.
import { firstLease, MemoryQueue, type Lease, type QueueItem } from "@weft/store";
import { describe, expect, it } from "vitest";
import { done } from "./context.js";
import { discoveryStackLength, dispatchJob, enqueueJob, jobId, type Job, type JobHandlers, type JobKind } from "./jobs.js";

describe("job ids", () => {
  it("are spelled as queued jobs already are", () => {
    expect([
      jobId.event("01E"),
      jobId.discover("r", 3),
      jobId.step("r", "h"),
      jobId.wake("r", "h"),
      jobId.pauseTimeout("r", "h"),
      jobId.gateway("r", "h"),
      jobId.debounce("debounce:f:k", 2),
      jobId.batch("batch:f:k", "01B", "full"),
      jobId.runTimeout("r"),
      jobId.cron("f", "*/5 * * * *", 1000),
    ]).toEqual([
      "event:01E",
      "r:d:3",
      "r:s:h",
      "r:w:h",
      "r:t:h",
      "r:g:h",
      "debounce:debounce:f:k:2",
      "batch:batch:f:k:01B:full",
      "r:timeout",
      "cron:f:*/5 * * * *:1000",
    ]);
  });

  it("read a discovery's stack length back, and only a discovery's", () => {
    const base = { tenant: "t", availableAt: 0, attempt: 0 };
    expect(discoveryStackLength({ ...base, id: jobId.discover("run:with:colons", 12), kind: "discover", runId: "r", payload: {} })).toBe(12);
    expect(discoveryStackLength({ ...base, id: "r:d:1", kind: "step", runId: "r", payload: { stepId: "s", name: "s" } })).toBeUndefined();
  });
});

describe("enqueueJob and dispatchJob", () => {
  const seen: string[] = [];
  const handler = (kind: JobKind) => async (job: Job, lease: { deliveries: number }) => {
    seen.push(`${kind}:${job.id}:${lease.deliveries}`);
    return done;
  };
  const handlers = Object.fromEntries(
    (["event", "discover", "step", "wake", "pause-timeout", "gateway", "debounce", "batch", "run-timeout", "cron"] as const).map((k) => [k, handler(k)]),
  ) as unknown as JobHandlers;

  it("queue a typed job (attempt 0 unless given) and hand its lease to the handler of its kind", async () => {
    const queue = new MemoryQueue();
    expect(await enqueueJob(queue, { id: jobId.wake("r", "h"), kind: "wake", runId: "r", tenant: "t", payload: { stepId: "h" }, availableAt: 0 })).toBe(true);
    expect(await enqueueJob(queue, { id: jobId.wake("r", "h"), kind: "wake", runId: "r", tenant: "t", payload: { stepId: "h" }, availableAt: 0 })).toBe(false);
    const [lease] = await queue.lease({ now: 0, leaseMs: 1000, limit: 1 });
    expect(lease?.item).toEqual({ id: "r:w:h", kind: "wake", runId: "r", tenant: "t", payload: { stepId: "h" }, availableAt: 0, attempt: 0 });
    seen.length = 0;
    expect(await dispatchJob(handlers, lease as Lease)).toEqual(done);
    expect(seen).toEqual(["wake:r:w:h:1"]);
  });

  it("refuse a kind this engine does not know, so the job is retried rather than dropped", async () => {
    const item: QueueItem = { id: "x", kind: "from-a-newer-engine", tenant: "t", payload: {}, availableAt: 0, attempt: 0 };
    await expect(dispatchJob(handlers, firstLease(item, { now: 0, leaseMs: 1000 }))).rejects.toThrow('unknown job kind "from-a-newer-engine"');
    const proto: QueueItem = { ...item, kind: "toString" };
    await expect(dispatchJob(handlers, firstLease(proto, { now: 0, leaseMs: 1000 }))).rejects.toThrow('unknown job kind "toString"');
  });
});
