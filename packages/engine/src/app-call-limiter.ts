import type { QueueItem } from "@weft/store";
import type { JobKind } from "./jobs.js";

/**
 * Jobs that wait on a call made for an app: the app itself (discover, step) or a URL on its behalf
 * (`step.fetch`, `step.ai.infer`). Such a job can hold its worker slot for up to the call timeout.
 */
const callingKinds: ReadonlySet<string> = new Set<JobKind>(["discover", "step", "gateway"]);

/** Half the worker's slots: one hanging app leaves the other half to every other app. */
export function defaultMaxCallsPerApp(concurrency: number): number {
  return Math.max(1, Math.floor(concurrency / 2));
}

/**
 * Worker slots per app (`--max-app-calls`): at most `maxPerApp` calling jobs of one app (the
 * queue tenant of its jobs) run at once in this process, so an app that hangs can take only its
 * share of the worker and never starve the others. Counted in memory, one Map lookup per job.
 */
export class AppCallLimiter {
  private readonly inflight = new Map<string, number>();

  constructor(readonly maxPerApp: number) {
    if (!Number.isInteger(maxPerApp) || maxPerApp < 1) throw new RangeError(`maxCallsPerApp must be a positive integer, not ${maxPerApp}`);
  }

  /** Would this job wait for room? Jobs that call no app never do. */
  isFull(item: QueueItem): boolean {
    return callingKinds.has(item.kind) && (this.inflight.get(item.tenant) ?? 0) >= this.maxPerApp;
  }

  /** Take a slot of the job's app; false (nothing taken) when the app has none free. */
  tryAcquire(item: QueueItem): boolean {
    if (!callingKinds.has(item.kind)) return true;
    const n = this.inflight.get(item.tenant) ?? 0;
    if (n >= this.maxPerApp) return false;
    this.inflight.set(item.tenant, n + 1);
    return true;
  }

  /** Give back the slot `tryAcquire` took for this job. */
  release(item: QueueItem): void {
    if (!callingKinds.has(item.kind)) return;
    const n = this.inflight.get(item.tenant) ?? 0;
    // Deleted at zero, so the map holds only apps with calls in flight.
    if (n <= 1) this.inflight.delete(item.tenant);
    else this.inflight.set(item.tenant, n - 1);
  }

  /** Calling jobs of an app running now. */
  inFlight(app: string): number {
    return this.inflight.get(app) ?? 0;
  }
}
