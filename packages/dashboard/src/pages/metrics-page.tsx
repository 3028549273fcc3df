import { MetricsCharts } from "../components/metrics-charts";

/** Every function's runs, failures, step durations and the queue, over the last hour, day or week. */
export function MetricsPage() {
  return (
    <main id="main">
      <div className="page-head">
        <h1>Metrics</h1>
      </div>
      <MetricsCharts />
    </main>
  );
}
