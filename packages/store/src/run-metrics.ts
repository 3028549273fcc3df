// Chart data: runs by status and step durations, kept as rollup rows per function and time bucket
// so a chart over a week reads a few hundred rows, never the runs. Every store maintains the same
// rollups in the same write that changes a run or a step (SQLite and Postgres with triggers, the
// memory store in code); this module holds what they share: the bucket widths and the histogram.

/** The widths of the rollup buckets kept: one per chart range (1 h in minutes, 24 h in 15 min, 7 d in hours). */
export const rollupWidthsMs = [60_000, 15 * 60_000, 60 * 60_000] as const;
export type RollupWidthMs = (typeof rollupWidthsMs)[number];

/**
 * Step durations are counted in a log histogram: bucket 0 holds durations under 1 ms, bucket k
 * (1 ≤ k < last) holds [2^((k-1)/2), 2^(k/2)) ms, each √2 wider than the one before, and the last
 * bucket everything from about 3 hours up. A percentile read from it is within one bucket (~41%)
 * of the true value, interpolated inside the bucket.
 */
export const durationBucketCount = 48;

/** The histogram bucket of a duration in milliseconds (the SQL triggers compute the same). */
export function durationBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(durationBucketCount - 1, 1 + Math.floor(2 * Math.log2(ms)));
}

/** The [low, high) bounds in ms of a histogram bucket; the last one's high is its low × √2 (an estimate). */
export function durationBucketBounds(k: number): [number, number] {
  if (k <= 0) return [0, 1];
  return [2 ** ((k - 1) / 2), 2 ** (k / 2)];
}

/**
 * The q-quantile (0 < q ≤ 1) of the durations a histogram counted, interpolated linearly inside
 * the bucket it falls in (as Prometheus' `histogram_quantile`); undefined when it counted none.
 */
export function durationQuantile(histogram: readonly number[], q: number): number | undefined {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let k = 0; k < histogram.length; k++) {
    const n = histogram[k] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const [low, high] = durationBucketBounds(k);
      return low + (high - low) * ((rank - seen) / n);
    }
    seen += n;
  }
  return durationBucketBounds(histogram.length - 1)[1];
}

/** The timeline ops whose duration is waiting, not work: left out of the step-duration histogram. */
export const waitingOps: readonly string[] = ["Sleep", "WaitForEvent", "WaitForSignal", "InvokeFunction"];

/** One rollup bucket: runs started in it, runs that ended in it by final status, and step durations. */
export interface RunMetricsBucket {
  /** Start of the bucket (ms since epoch, a multiple of the width). */
  start: number;
  started: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Counts per duration bucket (`durationBucketCount` long) of the steps that ended in this bucket. */
  stepDurations: number[];
}

export interface RunMetricsQuery {
  /** One of `rollupWidthsMs`. */
  widthMs: RollupWidthMs;
  /** Buckets with `from <= start < to`. */
  from: number;
  to: number;
  /** One function's runs; all functions' when absent. */
  functionId?: string;
}

/** Column names of the duration histogram in the SQL rollup tables: `d0` … `d47`. */
export const durationColumns: readonly string[] = Array.from({ length: durationBucketCount }, (_, k) => `d${k}`);

/** The start of the bucket of width `widthMs` holding `at`. */
export function bucketStart(at: number, widthMs: number): number {
  return Math.floor(at / widthMs) * widthMs;
}

/** An empty bucket starting at `start`. */
export function emptyMetricsBucket(start: number): RunMetricsBucket {
  return { start, started: 0, completed: 0, failed: 0, cancelled: 0, stepDurations: new Array<number>(durationBucketCount).fill(0) };
}
