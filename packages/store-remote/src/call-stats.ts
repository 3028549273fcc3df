/** Per-method counts and times of the backend calls a coordinator made, for `/health`. */
export interface MethodStats {
  calls: number;
  errors: number;
  /** Mean time waiting for a backend slot, and running on the backend, in ms. */
  meanWaitMs: number;
  meanBackendMs: number;
}

interface Totals {
  calls: number;
  errors: number;
  waitMs: number;
  backendMs: number;
}

/**
 * Where a coordinator's time goes: waiting for one of the `maxInFlight` slots (the backend is the
 * bottleneck: raise the pool) or running on the backend (the backend is slow). Kept per method,
 * `<store>.<method>`, since one slow operation (a contended lease) hides among fast ones.
 */
export class CallStats {
  private readonly byMethod = new Map<string, Totals>();
  calls = 0;
  errors = 0;

  record(method: string, waitMs: number, backendMs: number, failed: boolean): void {
    let totals = this.byMethod.get(method);
    if (totals === undefined) {
      totals = { calls: 0, errors: 0, waitMs: 0, backendMs: 0 };
      this.byMethod.set(method, totals);
    }
    totals.calls += 1;
    totals.waitMs += waitMs;
    totals.backendMs += backendMs;
    this.calls += 1;
    if (failed) {
      totals.errors += 1;
      this.errors += 1;
    }
  }

  report(): Record<string, MethodStats> {
    const out: Record<string, MethodStats> = {};
    for (const [method, t] of [...this.byMethod].sort(([a], [b]) => a.localeCompare(b))) {
      out[method] = { calls: t.calls, errors: t.errors, meanWaitMs: round(t.waitMs / t.calls), meanBackendMs: round(t.backendMs / t.calls) };
    }
    return out;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
