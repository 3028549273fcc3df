import { useState } from "react";
import { queryString, type Run, type StoredEvent } from "../api";
import { JsonView } from "../components/json-view";
import { RunsTable } from "../components/runs-table";
import { SendEventForm } from "../components/send-event-form";
import { formatTime } from "../format";
import { Link } from "../router";
import { useResource } from "../use-resource";

const pageSize = 50;

/** Received events, newest first and live; one event's payload and runs; a send form. */
export function EventsPage({ eventId }: { eventId?: string }) {
  const [name, setName] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const events = useResource<{ data: StoredEvent[] }>(
    `/v1/events${queryString({ name: name.trim(), limit: String(pageSize), cursor: cursors.at(-1) })}`,
    "event",
  );
  const list = events.data?.data ?? [];
  const older = list.length === pageSize ? list.at(-1)?.internal_id : undefined;

  return (
    <main id="main">
      <div className="page-head">
        <h1>Events</h1>
      </div>
      <div className="split">
        <section aria-label="Received events">
          <form className="filters" onSubmit={(e) => e.preventDefault()}>
            <label>
              Event name
              <input
                data-search
                type="search"
                placeholder="exact name  ( / )"
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                  setCursors([]);
                }}
              />
            </label>
          </form>
          {events.error && (
            <p className="error" role="alert">
              {events.error}
            </p>
          )}
          {list.length === 0 && !events.loading ? (
            <p className="empty">No events.</p>
          ) : (
            <table className="table events-table">
              <caption className="visually-hidden">Events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Name</th>
                  <th scope="col">Received</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr key={e.internal_id} aria-current={e.internal_id === eventId ? "true" : undefined} data-event-id={e.internal_id}>
                    <td>
                      <Link href={`/events/${e.internal_id}`} className="mono">
                        {e.internal_id}
                      </Link>
                    </td>
                    <td className="mono">{e.name}</td>
                    <td>{formatTime(e.received_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav className="pager" aria-label="Pages of events">
            <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              ← Newer
            </button>
            <button type="button" disabled={!older} onClick={() => older && setCursors([...cursors, older])}>
              Older →
            </button>
          </nav>
        </section>
        <div className="side">
          {eventId && <EventDetail eventId={eventId} />}
          <SendEventForm />
        </div>
      </div>
    </main>
  );
}

/** One event: its payload and the runs it started or resumed. */
function EventDetail({ eventId }: { eventId: string }) {
  const event = useResource<{ data: StoredEvent }>(`/v1/events/${encodeURIComponent(eventId)}`);
  const runs = useResource<{ data: Run[] }>(`/v1/events/${encodeURIComponent(eventId)}/runs`, "runs-changed");
  return (
    <section className="card" aria-label="Event detail">
      <h2>
        Event <span className="mono">{eventId}</span>
      </h2>
      {event.error && <p className="error">{event.error}</p>}
      {event.data && <JsonView value={event.data.data} label="Event payload" />}
      <h3>Runs it started</h3>
      {runs.data ? <RunsTable runs={runs.data.data} caption="Runs the event started" /> : <p className="empty">Loading…</p>}
    </section>
  );
}
