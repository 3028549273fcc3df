import type { Run } from "../api";
import { durationBetween, formatDuration, formatTime } from "../format";
import { Link } from "../router";
import { EventName } from "./event-name";
import { StatusBadge } from "./status-badge";

/** Runs as rows: each run id is a link to its timeline. */
export function RunsTable({ runs, caption }: { runs: Run[]; caption: string }) {
  if (runs.length === 0) return <p className="empty">No runs.</p>;
  return (
    <table className="table runs-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
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
              <td>
                <Link href={`/runs/${run.run_id}`} className="mono">
                  {run.run_id}
                </Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td className="mono">{run.function_id}</td>
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
