import type { Registry } from "prom-client";

/** One labelled series of a `LabelledHistogram`: observing is a bucket search and three additions. */
export interface HistogramSeries {
  observe(seconds: number): void;
}

class Series implements HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is above the highest bound (`+Inf` only). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/**
 * A Prometheus histogram for the hot path, registered in a prom-client `Registry` like its own
 * metrics and exposed in the same text format. prom-client's `Histogram.observe` (and the `observe`
 * of its `labels(…)` children) validates and hashes the label set on every call; here a series is
 * looked up once (`series(…)`, cached by the caller or by its key) and an observation touches only
 * numbers, which matters at several observations per step.
 */
export class LabelledHistogram<L extends string> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  /** Every series, in the order made (the scrape's order). */
  private readonly all: Series[] = [];
  /** Series by label values, one map level per label: a lookup builds no key string. */
  private readonly index = new Map<string, unknown>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of these label values, in `labelNames` order (made on first use). */
  series(...values: string[]): HistogramSeries {
    let level = this.index;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values[i] ?? "";
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map<string, unknown>();
        level.set(value, next);
      }
      level = next;
    }
    const leaf = values[last] ?? "";
    let s = level.get(leaf) as Series | undefined;
    if (s === undefined) {
      s = new Series(Object.fromEntries(this.labelNames.map((n, i) => [n, values[i] ?? ""])), this.bounds);
      level.set(leaf, s);
      this.all.push(s);
    }
    return s;
  }

  /** What prom-client's registry reads at scrape time: cumulative buckets, `+Inf`, sum and count per series. */
  get(): { name: string; help: string; type: string; aggregator: string; values: object[] } {
    const values: object[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i] as number;
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucket });
      });
      values.push({ labels: { le: "+Inf" }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
