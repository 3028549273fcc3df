import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, type AppRecord, type AppUrlStatus, type FunctionDetail, type FunctionSummary } from "../api";
import type { ApiConnectWorker } from "@weft/core";
import { ConnectWorkers } from "../components/connect-workers";
import { JsonView } from "../components/json-view";
import { StatusBadge } from "../components/status-badge";
import { formatTime } from "../format";
import { Link } from "../router";
import { useResource } from "../use-resource";

/** Config keys that are flow control (shown as registered; the engine enforces them). */
const flowControlKeys = ["concurrency", "throttle", "rateLimit", "debounce", "batchEvents", "priority", "idempotency", "singleton", "timeouts", "cancel"];

/** Apps with their sync status and a "sync now"; functions with triggers, config and recent counts. */
export function AppsPage() {
  const apps = useResource<{ data: { synced: AppRecord[]; urls: AppUrlStatus[]; connect_workers?: ApiConnectWorker[] } }>("/v1/apps");
  const functions = useResource<{ data: FunctionSummary[] }>("/v1/functions");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);

  const syncNow = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      await api("/v1/apps/sync", { method: "POST" });
      apps.reload();
      functions.reload();
      setMessage("Synced.");
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main">
      <div className="page-head">
        <h1>Apps</h1>
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void syncNow()}>
            {busy ? "Syncing…" : "Sync now"}
          </button>
          {message && <p role="status">{message}</p>}
        </div>
      </div>
      {apps.error && <p className="error">{apps.error}</p>}
      <table className="table apps-table">
        <caption className="visually-hidden">App URLs and their sync status</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">App</th>
            <th scope="col">Sync</th>
            <th scope="col">Last attempt</th>
          </tr>
        </thead>
        <tbody>
          {appRows(apps.data?.data).map((row) => (
            <tr key={row.url}>
              <td className="mono">{row.url}</td>
              <td>{row.app ? `${row.app.id}${row.app.sdk ? ` · ${row.app.sdk}` : ""}` : "—"}</td>
              <td>
                {row.status === undefined ? (
                  <span className="muted">registered by the SDK</span>
                ) : row.status.ok ? (
                  <span className="badge badge-completed">Synced</span>
                ) : (
                  <>
                    <span className="badge badge-failed">Error</span> <span className="error">{row.status.error}</span>
                  </>
                )}
              </td>
              <td>
                {row.status?.lastAttemptAt
                  ? formatTime(new Date(row.status.lastAttemptAt).toISOString())
                  : row.app?.syncedAt
                    ? formatTime(new Date(row.app.syncedAt).toISOString())
                    : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ConnectWorkers workers={apps.data?.data.connect_workers} />
      <AddAppForm onAdded={apps.reload} />
      <h2>Functions</h2>
      {functions.data?.data.length === 0 && <p className="empty">No functions synced yet.</p>}
      <div className="functions">
        {functions.data?.data.map((f) => (
          <FunctionCard key={f.id} fn={f} />
        ))}
      </div>
    </main>
  );
}

function appRows(data: { synced: AppRecord[]; urls: AppUrlStatus[] } | undefined): Array<{ url: string; app?: AppRecord; status?: AppUrlStatus }> {
  if (!data) return [];
  const rows: Array<{ url: string; app?: AppRecord; status?: AppUrlStatus }> = data.urls.map((status) => ({
    url: status.url,
    status,
    app: data.synced.find((a) => a.url === status.url),
  }));
  for (const app of data.synced) if (!rows.some((r) => r.url === app.url)) rows.push({ url: app.url, app });
  return rows;
}

function retriesOf(config: Record<string, unknown>): string {
  const retries = (config.steps as { step?: { retries?: { attempts?: number } } } | undefined)?.step?.retries?.attempts;
  return retries === undefined ? "default" : String(retries);
}

function AddAppForm({ onAdded }: { onAdded(): void }) {
  const [url, setUrl] = useState("");
  const [message, setMessage] = useState<string | undefined>(undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const { data } = await api<{ data: AppUrlStatus }>("/v1/apps", { method: "POST", body: { url: url.trim() } });
      setMessage(data.ok ? "Synced." : `Added; sync failed: ${data.error}`);
      setUrl("");
      onAdded();
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  return (
    <form className="filters" aria-label="Add an app" onSubmit={(e) => void submit(e)}>
      <label>
        App URL
        <input type="url" placeholder="http://localhost:3000/api/inngest" value={url} onChange={(e) => setUrl(e.target.value)} />
      </label>
      <button type="submit" disabled={!url.trim()}>
        Add app
      </button>
      {message && <p role="status">{message}</p>}
    </form>
  );
}

function FunctionCard({ fn }: { fn: FunctionSummary }) {
  const detail = useResource<{ data: FunctionDetail }>(`/v1/functions/${encodeURIComponent(fn.id)}`, "runs-changed");
  const d = detail.data?.data;
  const flow = d ? Object.fromEntries(Object.entries(d.config).filter(([k]) => flowControlKeys.includes(k))) : {};
  return (
    <article className="card function" aria-label={`Function ${fn.name}`}>
      <h3>
        <Link href={`/functions/${encodeURIComponent(fn.id)}`}>{fn.name}</Link> <span className="mono muted">{fn.id}</span>{" "}
        {d?.paused && <StatusBadge status="Paused" />}
      </h3>
      <p>
        Triggers:{" "}
        {fn.triggers.map((t, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the trigger list is fixed per function and never reordered; triggers need not be unique
          <code key={i} className="trigger">
            {t.event ? `event ${t.event}` : `cron ${t.cron}`}
            {t.expression ? ` if ${t.expression}` : ""}
          </code>
        ))}
      </p>
      {d && (
        <p>
          Last hour: {d.recent.started}
          {d.recent.capped ? "+" : ""} started · {d.recent.completed} completed ·{" "}
          <span className={d.recent.failed ? "error" : ""}>{d.recent.failed} failed</span> · {d.recent.running} running · {d.recent.cancelled} cancelled ·
          retries {retriesOf(d.config)} · <Link href={`/?function=${encodeURIComponent(fn.id)}`}>runs</Link>
        </p>
      )}
      {d && <FunctionActions fn={fn} paused={d.paused === true} onChange={detail.reload} />}
      {Object.keys(flow).length > 0 && (
        <details>
          <summary>Flow control</summary>
          <JsonView value={flow} label={`Flow control of ${fn.name}`} />
        </details>
      )}
      {d && (
        <details>
          <summary>Full config</summary>
          <JsonView value={d.config} label={`Config of ${fn.name}`} />
        </details>
      )}
    </article>
  );
}

/**
 * Pause / Resume (while paused no new runs start and the events that arrive start none later;
 * running runs go on), and Cancel all running, with a confirmation step and the count cancelled.
 */
function FunctionActions({ fn, paused, onChange }: { fn: FunctionSummary; paused: boolean; onChange(): void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const cancelAllButton = useRef<HTMLButtonElement>(null);
  const backFromConfirm = useRef(false);

  useEffect(() => {
    if (!confirming && backFromConfirm.current) {
      backFromConfirm.current = false;
      cancelAllButton.current?.focus();
    }
  }, [confirming]);

  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage(await what());
      onChange();
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const base = `/v1/functions/${encodeURIComponent(fn.id)}`;
  const togglePause = () =>
    act(async () => {
      const { data } = await api<{ data: { paused: boolean } }>(`${base}/${paused ? "resume" : "pause"}`, { method: "POST" });
      return data.paused ? "Paused: its events start no runs until it is resumed." : "Resumed.";
    });
  const cancelAll = () =>
    act(async () => {
      const { data } = await api<{ data: { cancelled: number } }>(`${base}/cancel`, { method: "POST" });
      backFromConfirm.current = true;
      setConfirming(false);
      return `Cancelled ${data.cancelled} ${data.cancelled === 1 ? "run" : "runs"}.`;
    });

  return (
    <div className="actions function-actions">
      <button
        type="button"
        disabled={busy}
        onClick={() => void togglePause()}
        title={paused ? "Start runs for its events again (events received while paused start none)" : "Start no new runs for this function; running runs go on"}
      >
        {paused ? "Resume" : "Pause"}
      </button>
      {confirming ? (
        <>
          {/* biome-ignore lint/a11y/noAutofocus: moves focus to the confirm button, which replaces the button that was just pressed (focus would otherwise be lost) */}
          <button type="button" className="danger" disabled={busy} onClick={() => void cancelAll()} autoFocus>
            Confirm cancel all
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              backFromConfirm.current = true;
              setConfirming(false);
            }}
          >
            Keep running
          </button>
        </>
      ) : (
        <button
          type="button"
          className="danger"
          ref={cancelAllButton}
          disabled={busy}
          onClick={() => {
            setMessage(undefined);
            setConfirming(true);
          }}
        >
          Cancel all running
        </button>
      )}
      {message && <p role="status">{message}</p>}
    </div>
  );
}
