import type { ApiRunTrace } from "@weft/core";
import { formatDuration } from "../format";

/**
 * Where a run's time went (`GET /v1/runs/:id/trace`): per attempt, the wait before it (queue and
 * engine hop, hatched) and its execution (solid), on one time axis from the run's start, with the
 * totals above. Built from the history, so it needs no trace collector.
 */
export function TraceBreakdown({ trace }: { trace: ApiRunTrace }) {
  if (trace.spans.length === 0) return null;
  const end = Math.max(trace.duration_ms ?? 0, ...trace.spans.map((s) => s.start_ms + (s.duration_ms ?? 0)));
  const axis = Math.max(1, end);
  const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / axis) * 100))}%`;
  return (
    <div className="trace-breakdown card">
      <p className="muted">
        Waiting {formatDuration(trace.totals.queue_ms)} · executing {formatDuration(trace.totals.execution_ms)} · trace{" "}
        <span className="mono">{trace.trace_id}</span>
      </p>
      <ol aria-label="Queue wait and execution per step">
        {trace.spans.map((s) => (
          <li key={`${s.step_id}:${s.attempt}:${s.start_ms}`} className={`trace-row step-${s.status.toLowerCase()}`}>
            <span className="mono trace-name">{s.name}</span>
            <span className="step-track" aria-hidden="true">
              <span className="trace-queue" style={{ left: pct(s.start_ms - s.queue_ms), width: pct(s.queue_ms) }} />
              <span className="step-bar" style={{ left: pct(s.start_ms), width: pct(s.duration_ms ?? 0) }} />
            </span>
            <span className="num">
              {formatDuration(s.queue_ms)} + {s.duration_ms === null ? "…" : formatDuration(s.duration_ms)}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
