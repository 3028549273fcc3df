import type { QueueItem } from "@weft/store";

/**
 * A say, before a leased job runs, in whether this process can make its call now (besides the
 * per-app cap of `AppCallLimiter`). The Connect gateway uses it: a job of an app served only by
 * Connect workers runs in a process that holds a connected worker of the app with free capacity;
 * elsewhere it goes back to the queue unchanged (same place, same attempt), for a process that
 * does hold one to lease. Both calls are synchronous and in memory: they are on every job's path.
 */
export interface CallGate {
  /** Take room for the job; false (nothing taken) holds it back. Jobs that call no app always pass. */
  tryAcquire(item: QueueItem): boolean;
  /** Give back what `tryAcquire` took for this job (called once the job has ended, whatever it did). */
  release(item: QueueItem): void;
}
