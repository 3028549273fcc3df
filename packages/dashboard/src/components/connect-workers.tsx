import type { ApiConnectWorker } from "@weft/core";
import { formatTime } from "../format";

/** The Connect workers (`inngest/connect`) serving apps, across every server process: capacity and last heartbeat. */
export function ConnectWorkers({ workers }: { workers: ApiConnectWorker[] | undefined }) {
  if (!workers) return null;
  return (
    <>
      <h2>Connect workers</h2>
      {workers.length === 0 ? (
        <p className="empty">No Connect worker is connected.</p>
      ) : (
        <table className="table connect-workers-table">
          <caption className="visually-hidden">Connected workers, their capacity and last heartbeat</caption>
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Apps</th>
              <th scope="col">Status</th>
              <th scope="col">In use / max</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">Connected</th>
            </tr>
          </thead>
          <tbody>
            {workers.map((w) => (
              <tr key={w.connection_id}>
                <td>
                  {w.instance_id}
                  <span className="muted mono"> {w.connection_id}</span>
                  {w.sdk && <span className="muted"> · {w.sdk}</span>}
                </td>
                <td>{w.apps.join(", ")}</td>
                <td>
                  <span className={`badge ${w.status === "ready" ? "badge-completed" : "badge-running"}`}>{w.status === "ready" ? "Ready" : "Draining"}</span>
                </td>
                <td>
                  {w.in_flight} / {w.max_concurrency ?? "no limit"}
                </td>
                <td>{formatTime(w.last_heartbeat_at)}</td>
                <td>{formatTime(w.connected_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
