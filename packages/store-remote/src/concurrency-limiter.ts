/**
 * At most `max` operations at once, the rest waiting in arrival order. The coordinator runs every
 * backend call through one, sized like the backend's pool, so however many clients call, no more
 * operations reach the store than it has connections for: excess calls wait here, in memory,
 * rather than in the pool's own queue where a timeout would fail them.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private peakRunning = 0;
  private readonly queue: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${max}`);
  }

  get inFlight(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Whether a new operation would have to wait for a slot. */
  get saturated(): boolean {
    return this.running >= this.max;
  }

  /** The most operations that ever ran at once. */
  get peak(): number {
    return this.peakRunning;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running += 1;
    this.peakRunning = Math.max(this.peakRunning, this.running);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    // The slot passes straight to the next waiter, so `running` never dips and lets a newcomer in.
    if (next !== undefined) {
      next();
      return;
    }
    this.running -= 1;
    if (this.running === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
  }
}
