import type { CallGate } from "@weft/engine";
import type { AppRecord, QueueItem } from "@weft/store";
import type { InFlightCalls } from "./in-flight-calls.js";
import type { WorkerSession } from "./worker-session.js";

/** Jobs that call the function itself (`gateway` jobs call a URL for it: they never need a worker). */
const callingKinds: ReadonlySet<string> = new Set(["discover", "step"]);

/** The url an app served only over Connect is registered with. */
export const connectAppUrl = (appId: string) => `connect://${appId}`;

/**
 * The Connect workers connected to this process, and the say they give the engine's worker over
 * which jobs run here (`CallGate`). A calling job of an app served only over Connect runs here only
 * while this process's ready workers of the app have room for one more job: counted per app
 * (`reserved`) against the sum of their `maxWorkerConcurrency`, so each such job finds a worker
 * slot for its call. Otherwise it goes back to the queue, for a process that has a worker to lease.
 * Apps with an HTTP url are never held: their calls go over HTTP when no worker has room.
 */
export class WorkerPool implements CallGate {
  private readonly sessions = new Set<WorkerSession>();
  private connectOnly = new Set<string>();
  private httpUrls = new Map<string, string>();
  private readonly reserved = new Map<string, number>();
  private readonly holders = new Set<string>();
  private waiters: (() => void)[] = [];
  private turn = 0;

  add(session: WorkerSession): void {
    this.sessions.add(session);
    this.wake();
  }

  remove(session: WorkerSession): void {
    this.sessions.delete(session);
    this.wake();
  }

  /** A worker's state or load changed: waiting calls look again. */
  changed(): void {
    this.wake();
  }

  all(): WorkerSession[] {
    return [...this.sessions];
  }

  /** The registry's apps, re-read now and then: which are served only over Connect, and the others' HTTP urls. */
  setApps(apps: AppRecord[]): void {
    this.connectOnly = new Set(apps.filter((a) => a.url === connectAppUrl(a.id)).map((a) => a.id));
    this.httpUrls = new Map(apps.filter((a) => /^https?:/.test(a.url)).map((a) => [a.id, a.url]));
  }

  /** Learned at a sync here, before the next re-read. */
  markConnectOnly(appId: string): void {
    this.connectOnly.add(appId);
  }

  httpUrlOf(appId: string): string | undefined {
    return this.httpUrls.get(appId);
  }

  tryAcquire(item: QueueItem): boolean {
    if (!callingKinds.has(item.kind) || !this.connectOnly.has(item.tenant)) return true;
    const taken = this.reserved.get(item.tenant) ?? 0;
    if (taken >= this.capacityFor(item.tenant)) return false;
    this.reserved.set(item.tenant, taken + 1);
    this.holders.add(item.id);
    return true;
  }

  release(item: QueueItem): void {
    if (!this.holders.delete(item.id)) return;
    const taken = this.reserved.get(item.tenant) ?? 0;
    if (taken <= 1) this.reserved.delete(item.tenant);
    else this.reserved.set(item.tenant, taken - 1);
  }

  /** Requests the ready workers of `appId` here take at once (Infinity if one set no limit). */
  capacityFor(appId: string): number {
    let sum = 0;
    for (const s of this.sessions) if (s.state === "ready" && s.apps.includes(appId)) sum += s.capacity;
    return sum;
  }

  /** The least loaded ready worker of `appId` with room now (ties in turn), if any. */
  pick(appId: string): WorkerSession | undefined {
    const candidates = [...this.sessions].filter((s) => s.hasRoom() && s.apps.includes(appId));
    if (candidates.length === 0) return undefined;
    this.turn = (this.turn + 1) % candidates.length;
    const rotated = [...candidates.slice(this.turn), ...candidates.slice(0, this.turn)];
    return rotated.reduce((best, s) => (s.calls.size / s.capacity < best.calls.size / best.capacity ? s : best));
  }

  /** A worker with room for `appId`, waiting up to `waitMs` for one to free up or connect. */
  async acquire(appId: string, waitMs: number): Promise<WorkerSession | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = this.pick(appId);
      const left = deadline - Date.now();
      if (found || left <= 0) return found;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The in-flight calls holding a request, on any socket of this process. */
  locate(requestId: string): InFlightCalls | undefined {
    for (const s of this.sessions) if (s.calls.has(requestId)) return s.calls;
    return undefined;
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}
