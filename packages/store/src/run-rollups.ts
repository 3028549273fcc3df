import type { RunRecord, StepEntry } from "./history-store.js";
import { bucketStart, durationBucket, emptyMetricsBucket, rollupWidthsMs, waitingOps, type RunMetricsBucket, type RunMetricsQuery } from "./run-metrics.js";
import { terminalStatuses } from "./run-state-store.js";

/** A run's end counts once it has a final status and an end time. */
export function endCounted(run: Pick<RunRecord, "status" | "endedAt"> | undefined): boolean {
  return run !== undefined && run.endedAt !== undefined && terminalStatuses.includes(run.status);
}

/** One rollup row: a bucket of one width and one function. */
export type RollupRow = RunMetricsBucket & { widthMs: number; functionId: string };

/**
 * Rollup rows in memory, keyed by width, function and bucket start: the memory store's rollups,
 * and the SQL stores' deltas not yet flushed to their rollup table.
 */
export class RunRollups {
  private rows = new Map<string, RollupRow>();

  get isEmpty(): boolean {
    return this.rows.size === 0;
  }

  runStarted(functionId: string, startedAt: number): void {
    for (const b of this.bucketsAt(functionId, startedAt)) b.started++;
  }

  runEnded(run: Pick<RunRecord, "functionId" | "status" | "endedAt">): void {
    if (run.endedAt === undefined) return;
    const field = run.status === "Completed" ? "completed" : run.status === "Failed" ? "failed" : "cancelled";
    for (const b of this.bucketsAt(run.functionId, run.endedAt)) b[field]++;
  }

  /** Counts the line's duration, unless it has no end yet or is a wait. */
  stepEnded(functionId: string, entry: Pick<StepEntry, "op" | "startedAt" | "endedAt">): void {
    if (entry.endedAt === undefined || waitingOps.includes(entry.op)) return;
    const k = durationBucket(entry.endedAt - entry.startedAt);
    for (const b of this.bucketsAt(functionId, entry.endedAt)) b.stepDurations[k] = (b.stepDurations[k] ?? 0) + 1;
  }

  /** The buckets of `q`, summed over functions unless one is named, oldest first. */
  query(q: RunMetricsQuery): RunMetricsBucket[] {
    const summed = new Map<number, RunMetricsBucket>();
    for (const b of this.rows.values()) {
      if (b.widthMs !== q.widthMs || b.start < q.from || b.start >= q.to) continue;
      if (q.functionId !== undefined && b.functionId !== q.functionId) continue;
      summed.set(b.start, addBuckets(summed.get(b.start) ?? emptyMetricsBucket(b.start), b));
    }
    return [...summed.values()].sort((a, b) => a.start - b.start);
  }

  /** Every row, emptied: what a SQL store flushes. */
  drain(): RollupRow[] {
    const rows = [...this.rows.values()];
    this.rows = new Map();
    return rows;
  }

  /** Rows given back (a flush that failed): added to what accumulated meanwhile. */
  restore(rows: RollupRow[]): void {
    for (const row of rows) {
      const key = `${row.widthMs}\u0000${row.functionId}\u0000${row.start}`;
      const now = this.rows.get(key);
      this.rows.set(key, now === undefined ? row : { ...addBuckets(now, row), widthMs: row.widthMs, functionId: row.functionId });
    }
  }

  private bucketsAt(functionId: string, at: number): RunMetricsBucket[] {
    return rollupWidthsMs.map((widthMs) => {
      const start = bucketStart(at, widthMs);
      const key = `${widthMs}\u0000${functionId}\u0000${start}`;
      let b = this.rows.get(key);
      if (b === undefined) {
        b = { ...emptyMetricsBucket(start), functionId, widthMs };
        this.rows.set(key, b);
      }
      return b;
    });
  }
}

/** `a` plus `b`, into `a` (same start). */
export function addBuckets<T extends RunMetricsBucket>(a: T, b: RunMetricsBucket): T {
  a.started += b.started;
  a.completed += b.completed;
  a.failed += b.failed;
  a.cancelled += b.cancelled;
  b.stepDurations.forEach((n, k) => {
    a.stepDurations[k] = (a.stepDurations[k] ?? 0) + n;
  });
  return a;
}

/** Two oldest-first bucket lists summed by start: stored rollups plus unflushed deltas. */
export function mergeBuckets(stored: RunMetricsBucket[], pending: RunMetricsBucket[]): RunMetricsBucket[] {
  if (pending.length === 0) return stored;
  const byStart = new Map(stored.map((b) => [b.start, b]));
  for (const p of pending) {
    const s = byStart.get(p.start);
    byStart.set(p.start, s === undefined ? p : addBuckets(s, p));
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/**
 * The SQL stores' rollup deltas: counted in memory as runs and steps are written (no extra
 * statement, no hot row on the write path), written to the rollup table by `write` at most
 * `delayMs` after the first count, and added to what the table answers until then. A flush that
 * fails is kept for the next one; a process that dies loses at most its last `delayMs` of counts.
 */
export class RollupBuffer extends RunRollups {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly write: (rows: RollupRow[]) => Promise<void>,
    private readonly delayMs = 1000,
  ) {
    super();
  }

  /** Call after counting: schedules the next flush. */
  counted(): void {
    if (this.timer !== undefined || this.isEmpty) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => {});
    }, this.delayMs);
    this.timer.unref?.();
  }

  /** Write what has accumulated now (one flush at a time); rows that fail to write are kept. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.isEmpty) return;
    const rows = this.drain();
    this.flushing = this.write(rows).then(
      () => {
        this.flushing = undefined;
      },
      (e: unknown) => {
        this.flushing = undefined;
        this.restore(rows);
        this.counted();
        throw e;
      },
    );
    await this.flushing;
  }
}
