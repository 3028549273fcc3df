import type { Lease, Queue, QueueItem, QueueKindStats } from "@weft/store";
import type { Worker } from "./worker.js";

/**
 * The queue as the engine's job handlers see it: the store's queue, except that `enqueue` (and
 * `enqueueMany`) go through this process's worker, which takes a job due at once straight away when it has room
 * (`Worker.enqueue`). Everything else is the store's own.
 */
export class HandoffQueue implements Queue {
  constructor(
    private readonly queue: Queue,
    private readonly worker: Worker,
  ) {}

  enqueue(item: QueueItem): Promise<boolean> {
    return this.worker.enqueue(item);
  }

  enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    return this.worker.enqueueMany(items);
  }

  enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined> {
    return this.queue.enqueueLeased(item, opts);
  }
  lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
    return this.queue.lease(opts);
  }
  extend(token: string, now: number, leaseMs: number): Promise<boolean> {
    return this.queue.extend(token, now, leaseMs);
  }
  requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean> {
    return this.queue.requeue(token, update);
  }
  dequeue(token: string): Promise<boolean> {
    return this.queue.dequeue(token);
  }
  dropRun(runId: string): Promise<void> {
    return this.queue.dropRun(runId);
  }
  nextAvailableAt(now: number): Promise<number | undefined> {
    return this.queue.nextAvailableAt(now);
  }
  size(): Promise<number> {
    return this.queue.size();
  }
  statsByKind(now: number): Promise<QueueKindStats[]> {
    return this.queue.statsByKind(now);
  }
  subscribe(listener: (availableAt: number) => void): () => void {
    return this.queue.subscribe(listener);
  }
}
