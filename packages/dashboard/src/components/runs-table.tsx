import type { Run } from "../api";
import { durationBetween, formatDuration, formatTime } from "../format";
import { Link } from "../router";
import { EventName } from "./event-name";
import { StatusBadge } from "./status-badge";

/** Checkboxes on each row (the runs page's bulk actions): the ids ticked, and how to change them. */
export interface RunSelection {
  selected: ReadonlySet<string>;
  toggle(runId: string): void;
  /** Tick every shown run, or untick all when all are ticked. */
  toggleAll(runIds: string[]): void;
}

/** Runs as rows: each run id is a link to its timeline; with `selection`, each row has a checkbox. */
export function RunsTable({ runs, caption, selection }: { runs: Run[]; caption: string; selection?: RunSelection }) {
  if (runs.length === 0) return <p className="empty">No runs.</p>;
  const allTicked = selection !== undefined && runs.every((r) => selection.selected.has(r.run_id));
  return (
    <table className="table runs-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {selection && (
            <th scope="col">
              <input type="checkbox" aria-label="Select every run shown" checked={allTicked} onChange={() => selection.toggleAll(runs.map((r) => r.run_id))} />
            </th>
          )}
          <th scope="col">Run</th>
          <th scope="col">Status</th>
          <th scope="col">Function</th>
          <th scope="col">Trigger event</th>
          <th scope="col">Started</th>
          <th scope="col" className="num">
            Duration
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => {
          const ms = durationBetween(run.run_started_at, run.ended_at);
          return (
            <tr key={run.run_id} data-run-id={run.run_id}>
              {selection && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select run ${run.run_id}`}
                    checked={selection.selected.has(run.run_id)}
                    onChange={() => selection.toggle(run.run_id)}
                  />
                </td>
              )}
              <td>
                <Link href={`/runs/${run.run_id}`} className="mono">
                  {run.run_id}
                </Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td className="mono">
                <Link href={`/functions/${encodeURIComponent(run.function_id)}`}>{run.function_id}</Link>
              </td>
              <td>
                <EventName id={run.event_id} />
              </td>
              <td>{formatTime(run.run_started_at)}</td>
              <td className="num">{ms === undefined ? "—" : `${formatDuration(ms)}${run.ended_at ? "" : " …"}`}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
