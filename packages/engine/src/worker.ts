import { isWeftError, StoreUnavailableError } from "@weft/core";
import type { Clock, Lease, Queue, QueueItem } from "@weft/store";
import { AppCallLimiter, defaultMaxCallsPerApp } from "./app-call-limiter.js";
import type { CallGate } from "./call-gate.js";
import type { JobOutcome } from "./context.js";
import type { Logger } from "./logger.js";
import type { EngineObserver } from "./observer.js";

const outageDelayMinMs = 250;
const outageDelayMaxMs = 5000;
/** After a job was held back for its app's cap, how long queue wakeups are ignored (see `loop`). */
const holdMs = 100;
/** Jobs whose untouched leases are remembered at most; past it the count starts over (see `untouched`). */
const maxUntouched = 10_000;

export interface WorkerOptions {
  /** Jobs in flight at once. */
  concurrency: number;
  /** Lease length; a live job's lease is extended every third of it. */
  leaseMs: number;
  /** Safety-net poll for work other processes queued (wakeups within a process are pushed). */
  pollMs: number;
  /** Calling jobs of one app running at once (`--max-app-calls`); default half of `concurrency`. */
  maxCallsPerApp?: number;
  /** A further say in whether a calling job runs here now (Connect: a worker with room); held back like a capped app's job. */
  callGate?: CallGate;
  clock: Clock;
  log: Logger;
  /** Told when each job starts and ends (queue wait, job duration). */
  observer?: EngineObserver;
}

/**
 * Leases jobs and runs them. Woken by the queue's push notification when work is queued in this
 * process, by a timer set to the earliest due job, and by a slow poll as a safety net.
 *
 * Hand-off: a job this process queues that is due at once is taken straight away, leased in the
 * same write that queues it (`enqueue` here), when this worker has a free slot and its last lease
 * drained what was due. That skips the wakeup and the lease round trip on every hop of a run
 * (event → run start → step), and changes nothing that is promised: the item is in the queue,
 * leased as by `lease`, and redelivered to anyone if this process dies. With a backlog, jobs queue
 * as usual and are leased in fair order.
 *
 * Fair share across apps: at most `maxCallsPerApp` calling jobs of one app run at once, so a hung
 * app cannot take every slot. A leased job whose app is at its cap is held back: given back to the
 * queue at once, with its `availableAt` and attempt unchanged (so it keeps its place at the head of
 * its app's queue and spends no attempt), without running or keeping a slot. Other apps' jobs are
 * leased past it, as leases go round-robin across tenants. So the held app's head (and its
 * backlog) is not leased over and over: after a hold the worker leases one job at a time (doubling
 * again as rounds hold nothing back), and sleeps up to `holdMs` through the wakeup of its own
 * requeue; a finished job (which may free the app's slot) and new work still wake it. While an app
 * stays stuck, that costs about one lease of its head per `holdMs` and per job run meanwhile.
 */
export class Worker {
  private running = false;
  private inflight = new Set<Promise<void>>();
  private wakeRequested = false;
  /** Slots promised to hand-offs whose write is in flight. */
  private reserved = 0;
  /** The last lease filled every free slot: more may be due, so hand-offs would jump the queue. */
  private backlog = true;
  private wakeUp: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private storeDown = false;
  private outageStartedAt = 0;
  /** How long to wait before leasing again while the queue is unreachable: doubles up to 5 s. */
  private outageDelayMs = outageDelayMinMs;
  private readonly apps: AppCallLimiter;
  /**
   * Jobs leased at most at once: 1 after a round held a job back, so the held app's head is not
   * leased again with a whole batch of its backlog; doubled after each round without one.
   */
  private batch = Infinity;
  /**
   * Until then (`performance.now()`: real pacing, whatever clock the engine is given), a job was
   * recently held back for its app's cap (see the class comment).
   */
  private holdUntil = 0;
  /** When (by the engine's clock, as `availableAt`) the last job was held back. */
  private heldAt = 0;
  /** Requeue writes of held-back jobs, awaited by `stop`. */
  private readonly holdWrites = new Set<Promise<void>>();
  /**
   * Leases of a job, by id, that this process gave back without running any of it: held back (the
   * app's cap, the call gate, a stop) or turned away by its handler (`JobOutcome.untouched`, e.g. a
   * discovery whose run has another in its call). The handler is told `deliveries` less these, so
   * such a lease is not taken for a delivery that may have left work half done (a discovery would
   * run as a repair, and call the app even when its run had moved on past it). Only this process's
   * leases are known: one given back elsewhere still counts, the safe side. Forgotten when the
   * job is done here; bounded by `maxUntouched` (then cleared: those jobs count every lease again).
   */
  private readonly untouched = new Map<string, number>();

  constructor(
    private readonly queue: Queue,
    private readonly handle: (lease: Lease) => Promise<JobOutcome>,
    private readonly opts: WorkerOptions,
  ) {
    this.apps = new AppCallLimiter(opts.maxCallsPerApp ?? defaultMaxCallsPerApp(opts.concurrency));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.queue.subscribe((availableAt) => {
      // During a hold, a job put back (held, or requeued by another process) does not wake the
      // worker: it was due before the hold began. New work does.
      if (performance.now() >= this.holdUntil || availableAt >= this.heldAt) this.wake();
    });
    this.loopDone = this.loop();
  }

  /** Stop leasing and wait for the jobs in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.inflight]);
    await Promise.allSettled([...this.holdWrites]);
  }

  private wake(): void {
    this.wakeRequested = true;
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.wakeRequested = false;
      const free = this.freeSlots;
      if (free > 0) {
        const now = this.opts.clock.now();
        const limit = Math.min(free, this.batch);
        let filled = false;
        let held = 0;
        try {
          const leases = await this.queue.lease({ now, leaseMs: this.opts.leaseMs, limit });
          held = leases.filter((lease) => !this.dispatch(lease)).length;
          filled = leases.length === limit;
          this.backlog = filled || held > 0;
          this.batch = held > 0 ? 1 : leases.length === 0 ? Infinity : this.batch * 2;
          this.recovered();
        } catch (e) {
          this.outage(e);
          await this.idle(this.outageDelayMs);
          this.outageDelayMs = Math.min(this.outageDelayMs * 2, outageDelayMaxMs);
          continue;
        }
        // The held job is due again at once: wait for the hold (or a finished job), not for it.
        if (held > 0) {
          await this.idle(holdMs);
          continue;
        }
        if (filled) continue;
      }
      // Some queue wakeups are ignored during a hold: sleep no longer than it.
      const holdLeft = this.holdUntil - performance.now();
      const due = await this.untilNextDue();
      await this.idle(holdLeft > 0 ? Math.min(due, holdLeft) : due);
    }
  }

  /**
   * Queue a job; when it is due, and this worker has room and no backlog, take it at once (see the
   * class comment). Answers as `Queue.enqueue`: false when the id was seen.
   */
  async enqueue(item: QueueItem): Promise<boolean> {
    const { queue, opts } = this;
    const now = opts.clock.now();
    if (!this.running || this.backlog || this.freeSlots <= 0 || item.availableAt > now || this.apps.isFull(item)) return queue.enqueue(item);
    this.reserved += 1;
    let lease: Lease | undefined;
    try {
      lease = await queue.enqueueLeased(item, { now, leaseMs: opts.leaseMs });
    } finally {
      this.reserved -= 1;
    }
    if (lease === undefined) return false;
    if (this.running) this.dispatch(lease);
    // Stopped meanwhile: give it back for another process (or the next start) to lease.
    else {
      this.noteUntouched(item.id);
      await queue.requeue(lease.token, { availableAt: item.availableAt, attempt: item.attempt });
    }
    return true;
  }

  /**
   * Queue several jobs (`Queue.enqueueMany`): those this worker can take at once are handed off as
   * `enqueue` would, the rest are queued together in one write. Answers in order, as `enqueueMany`.
   */
  async enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    const now = this.opts.clock.now();
    const handed = new Map<number, Promise<boolean>>();
    const rest: number[] = [];
    const ids = new Set<string>();
    for (const [i, item] of items.entries()) {
      // `enqueue` takes its slot before its first await, so each hand-off counts for the next. A
      // repeated id goes with the rest, to be refused there without taking a slot.
      const take = !ids.has(item.id) && this.running && !this.backlog && this.freeSlots > 0 && item.availableAt <= now && !this.apps.isFull(item);
      ids.add(item.id);
      if (take) handed.set(i, this.enqueue(item));
      else rest.push(i);
    }
    if (handed.size === 0) return this.queue.enqueueMany(items);
    const [queued, ...taken] = await Promise.all([rest.length > 0 ? this.queue.enqueueMany(rest.map((i) => items[i] as QueueItem)) : [], ...handed.values()]);
    const answers = new Array<boolean>(items.length).fill(false);
    for (const [k, i] of rest.entries()) answers[i] = queued[k] === true;
    for (const [k, i] of [...handed.keys()].entries()) answers[i] = taken[k] === true;
    return answers;
  }

  /** Slots neither running a job nor promised to a hand-off. */
  private get freeSlots(): number {
    return this.opts.concurrency - this.inflight.size - this.reserved;
  }

  private async untilNextDue(): Promise<number> {
    if (this.freeSlots <= 0) return this.opts.pollMs;
    try {
      const now = this.opts.clock.now();
      const next = await this.queue.nextAvailableAt(now);
      return next === undefined ? this.opts.pollMs : Math.min(this.opts.pollMs, Math.max(0, next - now));
    } catch {
      return 1000;
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.wakeRequested || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Run a leased job if its app has room (answers true); otherwise hold it back (see the class comment). */
  private dispatch(lease: Lease): boolean {
    if (this.apps.tryAcquire(lease.item)) {
      if (this.opts.callGate === undefined || this.opts.callGate.tryAcquire(lease.item)) {
        this.track(this.runJob(lease));
        return true;
      }
      this.apps.release(lease.item);
    }
    // Set before the requeue, whose own queue wakeup must not start another lease at once.
    this.holdUntil = performance.now() + holdMs;
    this.heldAt = this.opts.clock.now();
    this.noteUntouched(lease.item.id);
    const { availableAt, attempt } = lease.item;
    const write = this.queue.requeue(lease.token, { availableAt, attempt }).then(
      () => {},
      // The lease will expire and the job be leased again.
      (e: unknown) => this.outage(e),
    );
    this.holdWrites.add(write);
    void write.finally(() => this.holdWrites.delete(write));
    return false;
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => {
      this.inflight.delete(p);
      this.wake();
    });
  }

  /** One more lease of this job given back untouched (see `untouched`). */
  private noteUntouched(id: string): void {
    const before = this.untouched.get(id) ?? 0;
    if (before === 0 && this.untouched.size >= maxUntouched) this.untouched.clear();
    this.untouched.set(id, before + 1);
  }

  private async runJob(leased: Lease): Promise<void> {
    const { queue, opts } = this;
    // Leases given back untouched do not count as deliveries (see `untouched`).
    const skipped = this.untouched.get(leased.item.id) ?? 0;
    const lease = skipped > 0 ? { ...leased, deliveries: Math.max(1, leased.deliveries - skipped) } : leased;
    const heartbeat = setInterval(
      () => {
        queue.extend(lease.token, opts.clock.now(), opts.leaseMs).catch(() => {});
      },
      Math.max(50, Math.floor(opts.leaseMs / 3)),
    );
    let outcome: JobOutcome;
    const observer = opts.observer;
    const startedAt = observer ? opts.clock.now() : 0;
    observer?.jobStarted(lease.item, startedAt);
    try {
      outcome = await this.handle(lease);
      observer?.jobFinished(lease.item, outcome.type, startedAt, opts.clock.now());
    } catch (e) {
      observer?.jobFinished(lease.item, "error", startedAt, opts.clock.now());
      // A store or bug error: try the job again soon, without spending one of its attempts. A store
      // outage is logged once for all jobs, not once per job.
      if (isWeftError(e, StoreUnavailableError)) this.outage(e);
      else opts.log.error(`job ${lease.item.id} failed: ${(e as Error).message}`, { runId: lease.item.runId, jobKind: lease.item.kind });
      outcome = { type: "retry", availableAt: opts.clock.now() + 1000, attempt: lease.item.attempt };
    } finally {
      clearInterval(heartbeat);
      this.apps.release(lease.item);
      this.opts.callGate?.release(lease.item);
    }
    if (outcome.type === "done") this.untouched.delete(lease.item.id);
    else if (outcome.untouched) this.noteUntouched(lease.item.id);
    try {
      if (outcome.type === "done") await queue.dequeue(lease.token);
      else await queue.requeue(lease.token, { availableAt: outcome.availableAt, attempt: outcome.attempt });
    } catch (e) {
      // The lease will expire and the job be redelivered; every handler is idempotent.
      this.outage(e);
    }
  }

  /** One line per outage, however many calls fail during it; cleared by the next successful lease. */
  private outage(e: unknown): void {
    if (this.storeDown) return;
    this.storeDown = true;
    this.outageStartedAt = this.opts.clock.now();
    this.opts.log.error(`store unavailable, retrying with backoff (up to every ${outageDelayMaxMs / 1000} s): ${(e as Error).message}`);
  }

  private recovered(): void {
    this.outageDelayMs = outageDelayMinMs;
    if (!this.storeDown) return;
    this.storeDown = false;
    this.opts.log.info(`store available again after ${this.opts.clock.now() - this.outageStartedAt} ms`);
  }
}
