import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api, ApiError, queryString, runStatuses, type FunctionSummary, type Run } from "../api";
import { BulkActions } from "../components/bulk-actions";
import { RunsTable, type RunSelection } from "../components/runs-table";
import { isoToLocalInput, localInputToIso } from "../format";
import { navigate, useLocation } from "../router";
import { useResource } from "../use-resource";

const pageSize = 50;

/**
 * Runs, newest first: filters (status, function, start-time range) live in the URL so they survive
 * a reload and can be shared; paging follows the API's cursor. The page refetches whenever the
 * server says runs changed.
 */
export function RunsPage() {
  const location = useLocation();
  const filters = {
    status: location.searchParams.get("status") ?? "",
    function_id: location.searchParams.get("function") ?? "",
    from: location.searchParams.get("from") ?? "",
    to: location.searchParams.get("to") ?? "",
  };
  const filterKey = JSON.stringify(filters);
  // Cursors of the pages before this one, so "Newer" can go back.
  const [cursors, setCursors] = useState<string[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey is the trigger: new filters start again from the first page
  useEffect(() => setCursors([]), [filterKey]);
  const cursor = cursors.at(-1);

  const runs = useResource<{ data: Run[]; metadata: { cursor: string | null } }>(
    `/v1/runs${queryString({ ...filters, limit: String(pageSize), cursor })}`,
    "runs-changed",
  );
  const functions = useResource<{ data: FunctionSummary[] }>("/v1/functions");
  // Runs ticked for a bulk cancel or replay; without any, the bulk actions take the filters.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const selection: RunSelection = {
    selected,
    toggle: (runId) => {
      const next = new Set(selected);
      if (!next.delete(runId)) next.add(runId);
      setSelected(next);
    },
    toggleAll: (runIds) => setSelected(runIds.every((id) => selected.has(id)) ? new Set() : new Set([...selected, ...runIds])),
  };
  const clearSelection = useCallback(() => setSelected(new Set()), []);

  const setFilter = (name: string, value: string) => {
    const q = new URLSearchParams(location.search);
    if (value) q.set(name, value);
    else q.delete(name);
    navigate(`/${q.size ? `?${q}` : ""}`, { replace: true });
  };

  return (
    <main id="main">
      <div className="page-head">
        <h1>Runs</h1>
        <RunSearch />
      </div>
      <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={filters.status} onChange={(e) => setFilter("status", e.target.value)} name="status">
            <option value="">Any</option>
            {runStatuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Function
          <select value={filters.function_id} onChange={(e) => setFilter("function", e.target.value)} name="function">
            <option value="">Any</option>
            {functions.data?.data.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} ({f.id})
              </option>
            ))}
          </select>
        </label>
        <label>
          Started after
          <input type="datetime-local" value={isoToLocalInput(filters.from)} onChange={(e) => setFilter("from", localInputToIso(e.target.value) ?? "")} />
        </label>
        <label>
          Started before
          <input type="datetime-local" value={isoToLocalInput(filters.to)} onChange={(e) => setFilter("to", localInputToIso(e.target.value) ?? "")} />
        </label>
        {Object.values(filters).some(Boolean) && (
          <button type="button" onClick={() => navigate("/", { replace: true })}>
            Clear filters
          </button>
        )}
      </form>
      {runs.error && (
        <p className="error" role="alert">
          {runs.error}
        </p>
      )}
      <BulkActions selected={[...selected]} filters={filters} onDone={clearSelection} />
      {runs.data ? <RunsTable runs={runs.data.data} caption="Runs, newest first" selection={selection} /> : runs.loading && <p className="empty">Loading…</p>}
      <nav className="pager" aria-label="Pages of runs">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors([])}>
          Newest
        </button>
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <button
          type="button"
          disabled={!runs.data?.metadata.cursor}
          onClick={() => runs.data?.metadata.cursor && setCursors([...cursors, runs.data.metadata.cursor])}
        >
          Older →
        </button>
      </nav>
    </main>
  );
}

/** Find a run by run id, or the runs of an event by event id. */
function RunSearch() {
  const [q, setQ] = useState("");
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [found, setFound] = useState<Run[] | undefined>(undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const id = q.trim();
    setFound(undefined);
    setMessage(undefined);
    if (!id) return;
    try {
      const { data } = await api<{ data: Run }>(`/v1/runs/${encodeURIComponent(id)}`);
      navigate(`/runs/${data.run_id}`);
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    const { data } = await api<{ data: Run[] }>(`/v1/events/${encodeURIComponent(id)}/runs`);
    if (data.length === 1 && data[0]) navigate(`/runs/${data[0].run_id}`);
    else if (data.length > 1) setFound(data);
    else setMessage(`No run and no event with id ${id}.`);
  };
  return (
    <div className="search">
      <search>
        <form onSubmit={(e) => void submit(e).catch((err: Error) => setMessage(err.message))}>
          <label className="visually-hidden" htmlFor="search">
            Run id or event id
          </label>
          <input id="search" data-search type="search" placeholder="Run id or event id  ( / )" value={q} onChange={(e) => setQ(e.target.value)} />
          <button type="submit">Find</button>
        </form>
      </search>
      {message && <p role="status">{message}</p>}
      {found && (
        <section className="card" aria-label="Runs of the event">
          <RunsTable runs={found} caption="Runs of the event" />
        </section>
      )}
    </div>
  );
}
