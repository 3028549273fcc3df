import type { ApiMetricsRange, ApiRunMetrics } from "@weft/core";
import { useEffect, useMemo, useState } from "react";
import { queryString } from "../api";
import { useResource } from "../use-resource";
import { useThrottledLive } from "../use-throttled-live";
import { MetricsSummary } from "./metrics-summary";
import { QueueChart } from "./queue-chart";
import { TimeChart } from "./time-chart";

const rangeLabels: Record<ApiMetricsRange, string> = { "1h": "Hour", "24h": "Day", "7d": "Week" };
const bucketWords: Record<ApiMetricsRange, string> = { "1h": "minute", "24h": "15 minutes", "7d": "hour" };

/**
 * The charts of `GET /v1/metrics/runs` for all functions or one: runs by status, failure rate,
 * step duration percentiles, and the queue. Refreshed on live updates, at most every 2 s.
 */
export function MetricsCharts({ functionId }: { functionId?: string }) {
  const [range, setRange] = useState<ApiMetricsRange>("1h");
  const metrics = useResource<{ data: ApiRunMetrics }>(`/v1/metrics/runs${queryString({ range, fn: functionId })}`);
  useThrottledLive(metrics.reload);
  const m = metrics.data?.data;
  const times = useMemo(() => m?.points.map((p) => Date.parse(p.start)) ?? [], [m]);
  const series = useMemo(() => {
    const points = m?.points ?? [];
    const pick = (f: (p: ApiRunMetrics["points"][number]) => number | null) => points.map(f);
    return {
      runs: [
        { label: "started", color: "--running", values: pick((p) => p.started) },
        { label: "completed", color: "--completed", values: pick((p) => p.completed) },
        { label: "failed", color: "--failed", values: pick((p) => p.failed) },
        { label: "cancelled", color: "--cancelled", values: pick((p) => p.cancelled) },
      ],
      failureRate: [{ label: "failure rate", color: "--failed", values: pick((p) => (p.failure_rate === null ? null : p.failure_rate * 100)) }],
      durations: [
        { label: "p50", color: "--completed", values: pick((p) => p.step_p50_ms) },
        { label: "p95", color: "--waiting", values: pick((p) => p.step_p95_ms) },
        { label: "p99", color: "--failed", values: pick((p) => p.step_p99_ms) },
      ],
    };
  }, [m]);
  const [queueSamples, setQueueSamples] = useState<Array<{ at: number; depth: number; lag: number }>>([]);
  useEffect(() => {
    if (!m) return;
    setQueueSamples((old) => [...old.slice(-119), { at: Date.parse(m.queue.at), depth: m.queue.depth, lag: m.queue.lag_ms }]);
  }, [m]);

  return (
    <section className="metrics" aria-label="Metrics" data-range={range}>
      <fieldset className="range-switch">
        <legend className="visually-hidden">Range</legend>
        {(Object.keys(rangeLabels) as ApiMetricsRange[]).map((r) => (
          <button key={r} type="button" aria-pressed={r === range} onClick={() => setRange(r)}>
            {rangeLabels[r]}
          </button>
        ))}
      </fieldset>
      {metrics.error && <p className="error">{metrics.error}</p>}
      {m && <MetricsSummary metrics={m} />}
      <div className="charts">
        <TimeChart title={`Runs per ${bucketWords[range]} by status`} times={times} series={series.runs} />
        <TimeChart title="Failure rate" times={times} series={series.failureRate} unit="%" />
        <TimeChart title="Step duration p50 / p95 / p99" times={times} series={series.durations} unit=" ms" />
        <QueueChart samples={queueSamples} />
      </div>
    </section>
  );
}
