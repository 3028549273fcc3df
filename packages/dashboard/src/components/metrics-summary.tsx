import type { ApiRunMetrics } from "@weft/core";

function ms(v: number | null): string {
  if (v === null) return "—";
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

/** The range's totals and the queue now, as numbers above the charts. */
export function MetricsSummary({ metrics }: { metrics: ApiRunMetrics }) {
  const t = metrics.totals;
  const tiles: Array<[string, string, string]> = [
    ["runs", "Runs started", String(t.started)],
    ["completed", "Completed", String(t.completed)],
    ["failed", "Failed", String(t.failed)],
    ["failure-rate", "Failure rate", t.failure_rate === null ? "—" : `${(t.failure_rate * 100).toFixed(1)}%`],
    ["p50", "Step p50", ms(t.step_p50_ms)],
    ["p95", "Step p95", ms(t.step_p95_ms)],
    ["p99", "Step p99", ms(t.step_p99_ms)],
    ["queue", "Queued jobs", String(metrics.queue.depth)],
    ["lag", "Queue lag", ms(metrics.queue.lag_ms)],
  ];
  return (
    <dl className="tiles">
      {tiles.map(([key, label, value]) => (
        <div key={key} className="tile" data-metric={key}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
