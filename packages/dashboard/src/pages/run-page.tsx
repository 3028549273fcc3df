import type { ApiRunTrace } from "@weft/core";
import { useState } from "react";
import { api, type RerunAnswer, type Run, type Step, type StoredEvent } from "../api";
import { JsonView } from "../components/json-view";
import { StatusBadge } from "../components/status-badge";
import { TraceBreakdown } from "../components/trace-breakdown";
import { WaitingFor } from "../components/waiting-for";
import { Waterfall, type ReplayedFrom } from "../components/waterfall";
import { durationBetween, formatDuration, formatTime } from "../format";
import { Link, navigate } from "../router";
import { useResource } from "../use-resource";

/** One run: what started it, its step waterfall, what it waits for, and cancel / rerun. */
export function RunPage({ runId }: { runId: string }) {
  const run = useResource<{ data: Run }>(`/v1/runs/${encodeURIComponent(runId)}`, "runs-changed");
  const steps = useResource<{ data: Step[] }>(`/v1/runs/${encodeURIComponent(runId)}/steps`, "runs-changed");
  const trace = useResource<{ data: ApiRunTrace }>(`/v1/runs/${encodeURIComponent(runId)}/trace`, "runs-changed");
  const r = run.data?.data;
  const event = useResource<{ data: StoredEvent }>(r ? `/v1/events/${encodeURIComponent(r.event_id)}` : null);
  // Set by Rerun / Replay from here on the way to this page; history does not record it.
  const [from] = useState(() => replayedFrom(history.state));

  if (run.error) {
    return (
      <main id="main">
        <h1>Run {runId}</h1>
        <p className="error" role="alert">
          {run.error}
        </p>
      </main>
    );
  }
  if (!r) return <main id="main">Loading…</main>;
  const ms = durationBetween(r.run_started_at, r.ended_at);
  return (
    <main id="main">
      <div className="page-head">
        <h1>
          Run <span className="mono">{r.run_id}</span> <StatusBadge status={r.status} />
        </h1>
        <RunActions run={r} onChange={run.reload} />
      </div>
      <dl className="facts card">
        <dt>Function</dt>
        <dd className="mono">
          <Link href={`/?function=${encodeURIComponent(r.function_id)}`}>{r.function_id}</Link>
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(r.run_started_at)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(r.ended_at)}</dd>
        <dt>Duration</dt>
        <dd>{ms === undefined ? "—" : `${formatDuration(ms)}${r.ended_at ? "" : " so far"}`}</dd>
        {r.parent_run_id && (
          <>
            <dt>Invoked by</dt>
            <dd>
              <Link href={`/runs/${r.parent_run_id}`} className="mono">
                {r.parent_run_id}
              </Link>
            </dd>
          </>
        )}
      </dl>
      {from && (
        <p className="card notice" role="status">
          {from.stepName ? (
            <>
              Replay of run{" "}
              <Link href={`/runs/${encodeURIComponent(from.rerunOf)}`} className="mono">
                {from.rerunOf}
              </Link>{" "}
              from step <span className="mono">{from.stepName}</span>: the results of the steps before it were reused, so they have no lines in this timeline.
            </>
          ) : (
            <>
              Rerun of run{" "}
              <Link href={`/runs/${encodeURIComponent(from.rerunOf)}`} className="mono">
                {from.rerunOf}
              </Link>{" "}
              with the same event, from the first step.
            </>
          )}
        </p>
      )}
      {steps.data && <WaitingFor steps={steps.data.data} runId={r.run_id} />}
      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        {steps.data ? (
          <Waterfall runId={r.run_id} steps={steps.data.data} start={r.run_started_at} end={r.ended_at} ended={r.status !== "Running"} />
        ) : (
          <p className="empty">Loading…</p>
        )}
      </section>
      {trace.data && trace.data.data.spans.length > 0 && (
        <section aria-labelledby="trace-h">
          <h2 id="trace-h">Where the time went</h2>
          <TraceBreakdown trace={trace.data.data} />
        </section>
      )}
      {r.status !== "Running" && (
        <section aria-labelledby="output-h">
          <h2 id="output-h">{r.status === "Completed" ? "Output" : "Error"}</h2>
          <JsonView value={r.output} label="Run output" />
        </section>
      )}
      <section aria-labelledby="event-h">
        <h2 id="event-h">Trigger event</h2>
        {event.data ? (
          <div className="card">
            <p>
              <span className="mono">{event.data.data.name}</span> ·{" "}
              <Link href={`/events/${event.data.data.internal_id}`} className="mono">
                {event.data.data.internal_id}
              </Link>{" "}
              · received {formatTime(event.data.data.received_at)}
            </p>
            <JsonView value={event.data.data} label="Trigger event payload" />
          </div>
        ) : (
          <p className="empty">{event.error ?? "Loading…"}</p>
        )}
      </section>
    </main>
  );
}

function replayedFrom(state: unknown): ReplayedFrom | undefined {
  const s = state as Partial<ReplayedFrom> | null;
  return s && typeof s.rerunOf === "string" ? { rerunOf: s.rerunOf, stepName: typeof s.stepName === "string" ? s.stepName : undefined } : undefined;
}

/** Cancel (with a confirmation step) while running; rerun once ended (the server refuses before). */
function RunActions({ run, onChange }: { run: Run; onChange(): void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      await what();
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const cancel = () =>
    act(async () => {
      await api(`/v1/runs/${run.run_id}/cancel`, { method: "POST" });
      setConfirming(false);
      onChange();
    });
  const rerun = () =>
    act(async () => {
      const { data } = await api<{ data: RerunAnswer }>(`/v1/runs/${run.run_id}/rerun`, { method: "POST" });
      const state: ReplayedFrom = { rerunOf: run.run_id };
      navigate(`/runs/${data.run_id}`, { state });
    });

  return (
    <div className="actions">
      {run.status === "Running" &&
        (confirming ? (
          <>
            {/* biome-ignore lint/a11y/noAutofocus: moves focus to the confirm button, which replaces the button that was just pressed (focus would otherwise be lost) */}
            <button type="button" className="danger" disabled={busy} onClick={() => void cancel()} autoFocus>
              Confirm cancel
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep running
            </button>
          </>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Cancel run
          </button>
        ))}
      {run.status !== "Running" && (
        <button type="button" disabled={busy} onClick={() => void rerun()} title="A fresh run of this function with the same event, from the first step">
          Rerun
        </button>
      )}
      {message && <p role="status">{message}</p>}
    </div>
  );
}
