import type { ApiMetricsRange, ApiRunCounts, ApiRunMetrics } from "@weft/core";
import {
  bucketStart,
  durationQuantile,
  emptyMetricsBucket,
  rollupWidthsMs,
  type HistoryStore,
  type Queue,
  type RollupWidthMs,
  type RunMetricsBucket,
} from "@weft/store";
import { sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/** Each range is drawn from the rollups of one width: 60, 96 and 168 points. */
const ranges: Record<ApiMetricsRange, { widthMs: RollupWidthMs; points: number }> = {
  "1h": { widthMs: rollupWidthsMs[0], points: 60 },
  "24h": { widthMs: rollupWidthsMs[1], points: 96 },
  "7d": { widthMs: rollupWidthsMs[2], points: 168 },
};

function isRange(value: string): value is ApiMetricsRange {
  return Object.hasOwn(ranges, value);
}

function countsOf(b: RunMetricsBucket): ApiRunCounts {
  const ended = b.completed + b.failed + b.cancelled;
  const q = (p: number) => {
    const v = durationQuantile(b.stepDurations, p);
    return v === undefined ? null : Math.round(v * 100) / 100;
  };
  return {
    started: b.started,
    completed: b.completed,
    failed: b.failed,
    cancelled: b.cancelled,
    failure_rate: ended === 0 ? null : b.failed / ended,
    steps: b.stepDurations.reduce((a, n) => a + n, 0),
    step_p50_ms: q(0.5),
    step_p95_ms: q(0.95),
    step_p99_ms: q(0.99),
  };
}

function addInto(sum: RunMetricsBucket, b: RunMetricsBucket): void {
  sum.started += b.started;
  sum.completed += b.completed;
  sum.failed += b.failed;
  sum.cancelled += b.cancelled;
  b.stepDurations.forEach((n, k) => {
    sum.stepDurations[k] = (sum.stepDurations[k] ?? 0) + n;
  });
}

/**
 * Chart data for the dashboard: `GET /v1/metrics/runs?range=1h|24h|7d&fn=<function id>`. The
 * history answers from its rollup rows (a few hundred, whatever the number of runs); the queue's
 * depth and lag are two cheap reads (a count of the queue table and an index-backed minimum).
 * Behind the API token like the rest of `/v1/` (not `/metrics`, which is Prometheus').
 */
export function metricsRoutes(router: Router, history: HistoryStore, queue: Queue, now: () => number): void {
  router.on("GET", "/v1/metrics/runs", async ({ res, query }) => {
    const range = query.get("range") ?? "1h";
    if (!isRange(range)) {
      sendJson(res, 400, { error: `range must be one of ${Object.keys(ranges).join(", ")}, not "${range.slice(0, 40)}"` });
      return;
    }
    const fn = query.get("fn") || undefined;
    const { widthMs, points } = ranges[range];
    const at = now();
    const to = bucketStart(at, widthMs) + widthMs;
    const from = to - points * widthMs;
    const [buckets, depth, nextDue] = await Promise.all([history.runMetrics({ widthMs, from, to, functionId: fn }), queue.size(), queue.nextAvailableAt(at)]);
    const byStart = new Map(buckets.map((b) => [b.start, b]));
    const total = emptyMetricsBucket(from);
    const body: ApiRunMetrics = {
      range,
      function_id: fn ?? null,
      bucket_ms: widthMs,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      points: Array.from({ length: points }, (_, i) => {
        const start = from + i * widthMs;
        const b = byStart.get(start) ?? emptyMetricsBucket(start);
        addInto(total, b);
        return { start: new Date(start).toISOString(), ...countsOf(b) };
      }),
      totals: countsOf(total),
      queue: { depth, lag_ms: nextDue !== undefined && nextDue <= at ? at - nextDue : 0, at: new Date(at).toISOString() },
    };
    sendJson(res, 200, { data: body });
  });
}
