import type { FunctionDetail } from "../api";
import { MetricsCharts } from "../components/metrics-charts";
import { StatusBadge } from "../components/status-badge";
import { Link } from "../router";
import { useResource } from "../use-resource";

/** One function: what it is, a link to its runs, and its charts. */
export function FunctionPage({ functionId }: { functionId: string }) {
  const detail = useResource<{ data: FunctionDetail }>(`/v1/functions/${encodeURIComponent(functionId)}`);
  const d = detail.data?.data;
  return (
    <main id="main">
      <div className="page-head">
        <h1>
          {d?.name ?? functionId} {d?.paused && <StatusBadge status="Paused" />}
        </h1>
        <div className="actions">
          <Link href={`/?function=${encodeURIComponent(functionId)}`}>Runs of this function</Link>
        </div>
      </div>
      <p className="mono muted">
        {functionId}
        {d ? ` · app ${d.app_id}` : ""}
      </p>
      {detail.error && <p className="error">{detail.error}</p>}
      {d?.last_expression_error && (
        <p className="error">
          Trigger filter <code>{d.last_expression_error.expression}</code> failed {d.last_expression_error.count}× (matches nothing), last at{" "}
          {new Date(d.last_expression_error.at).toLocaleString()}: {d.last_expression_error.error}
        </p>
      )}
      <MetricsCharts functionId={functionId} />
    </main>
  );
}
