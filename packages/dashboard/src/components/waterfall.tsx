import { useEffect, useRef, useState } from "react";
import { api, invokedRunId, invokedRunLookup, isReplayable, type RerunAnswer, type Run, type Step } from "../api";
import { durationBetween, formatDuration, formatTime } from "../format";
import { Link, navigate } from "../router";
import { useResource } from "../use-resource";
import { JsonView } from "./json-view";
import { StatusBadge } from "./status-badge";
import { describeWait } from "./waiting-for";

/** What the run page passes along to a replayed run's page (in the history entry). */
export interface ReplayedFrom {
  rerunOf: string;
  stepName?: string;
}

/**
 * A run's timeline as a waterfall: one row per attempt of a step, its bar placed on a time axis
 * from the run's start to its end (or now). Each row is a button that shows the attempt's input,
 * output or error. Beside it: the child run of an invoke, and, once the run has ended, **Replay
 * from here** on each line that holds a recorded result.
 */
export function Waterfall({ runId, steps, start, end, ended }: { runId: string; steps: Step[]; start: string; end: string | null; ended: boolean }) {
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const t0 = Date.parse(start);
  const t1 = Math.max(end ? Date.parse(end) : Date.now(), ...steps.map((s) => (s.ended_at ? Date.parse(s.ended_at) : Date.now())));
  const span = Math.max(1, t1 - t0);
  if (steps.length === 0) return <p className="empty">No steps yet.</p>;
  // One column for the actions, as wide on every row, so the bars keep one time axis.
  const withInvokes = steps.some((s) => s.op === "InvokeFunction");
  const withActions = withInvokes || (ended && steps.some(isReplayable));
  return (
    <ol className={`waterfall${withInvokes ? " with-invokes" : ""}`} aria-label="Step timeline">
      {steps.map((step) => {
        const key = `${step.id}:${step.attempt}`;
        const begin = Date.parse(step.started_at);
        const ms = durationBetween(step.started_at, step.ended_at) ?? 0;
        const left = ((begin - t0) / span) * 100;
        const width = Math.max(0.5, (ms / span) * 100);
        const expanded = open === key;
        return (
          <li key={key} className={`step step-${step.status.toLowerCase()}`} data-step-name={step.name}>
            <div className="step-line">
              <button type="button" className="step-row" aria-expanded={expanded} onClick={() => setOpen(expanded ? undefined : key)}>
                <span className="step-name">
                  <span className="mono">{step.name}</span>
                  <span className="muted">
                    {" "}
                    {step.op}
                    {step.attempt > 0 ? ` · attempt ${step.attempt + 1}` : ""}
                  </span>
                </span>
                <StatusBadge status={step.status} />
                <span className="step-track" aria-hidden="true">
                  <span className="step-bar" style={{ left: `${Math.min(left, 99.5)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.5))}%` }} />
                </span>
                <span className="num step-duration">
                  {formatDuration(ms)}
                  {step.ended_at ? "" : " …"}
                </span>
              </button>
              {withActions && (
                <StepActions
                  runId={runId}
                  step={step}
                  replayable={ended && isReplayable(step)}
                  onError={(error) => setErrors((e) => ({ ...e, [key]: error }))}
                />
              )}
            </div>
            {errors[key] && (
              <p className="error step-message" role="alert">
                {errors[key]}
              </p>
            )}
            {expanded && (
              <div className="step-detail">
                <dl className="facts">
                  <dt>Step id</dt>
                  <dd className="mono">{step.id}</dd>
                  <dt>Attempt</dt>
                  <dd>{step.attempt + 1}</dd>
                  <dt>Started</dt>
                  <dd>{formatTime(step.started_at)}</dd>
                  <dt>Ended</dt>
                  <dd>{formatTime(step.ended_at)}</dd>
                </dl>
                {step.status === "Waiting" && <p>{describeWait(step)}</p>}
                {step.error !== undefined && (
                  <>
                    <h3>Error</h3>
                    <JsonView value={step.error} label={`Error of ${step.name}`} />
                  </>
                )}
                {step.output !== undefined && (
                  <>
                    <h3>{step.status === "Waiting" ? "Waiting for" : step.op === "WaitForEvent" ? "Event received" : "Output"}</h3>
                    <JsonView value={step.output} label={`Output of ${step.name}`} />
                  </>
                )}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** The actions beside one line: its child run (an invoke), and replay from it (with a confirmation). */
function StepActions({ runId, step, replayable, onError }: { runId: string; step: Step; replayable: boolean; onError(message: string | undefined): void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const replayButton = useRef<HTMLButtonElement>(null);
  const backFromConfirm = useRef(false);

  useEffect(() => {
    // Back from the confirmation: focus returns to the button that opened it.
    if (!confirming && backFromConfirm.current) {
      backFromConfirm.current = false;
      replayButton.current?.focus();
    }
  }, [confirming]);

  const replay = async () => {
    setBusy(true);
    onError(undefined);
    try {
      const { data } = await api<{ data: RerunAnswer }>(`/v1/runs/${encodeURIComponent(runId)}/replay`, { method: "POST", body: { step_id: step.id } });
      const state: ReplayedFrom = { rerunOf: runId, stepName: step.name };
      navigate(`/runs/${data.run_id}`, { state });
    } catch (e) {
      onError((e as Error).message);
      backFromConfirm.current = true;
      setConfirming(false);
      setBusy(false);
    }
  };

  return (
    <div className="step-actions">
      {step.op === "InvokeFunction" && <ChildRunLink runId={runId} step={step} />}
      {replayable &&
        (confirming ? (
          <>
            {/* biome-ignore lint/a11y/noAutofocus: moves focus to the confirm button, which replaces the button that was just pressed (focus would otherwise be lost) */}
            <button type="button" className="primary" disabled={busy} onClick={() => void replay()} autoFocus>
              {busy ? "Replaying…" : "Confirm replay"}
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => {
                backFromConfirm.current = true;
                setConfirming(false);
              }}
            >
              Don&apos;t replay
            </button>
          </>
        ) : (
          <button
            type="button"
            ref={replayButton}
            aria-label={`Replay from here: ${step.name}`}
            title="A new run of this function with the same event that reuses the results of the steps before this one, and runs this step and the rest again"
            onClick={() => {
              onError(undefined);
              setConfirming(true);
            }}
          >
            Replay from here
          </button>
        ))}
    </div>
  );
}

/** A link to the run an invoke line started: named by the line while it waits, looked up after. */
function ChildRunLink({ runId, step }: { runId: string; step: Step }) {
  const named = invokedRunId(step);
  const found = useResource<{ data: Run[] }>(named ? null : invokedRunLookup(runId, step));
  const childId = named ?? found.data?.data[0]?.run_id;
  if (!childId) return null;
  return (
    <Link href={`/runs/${encodeURIComponent(childId)}`} title={`Child run ${childId}`}>
      Child run
    </Link>
  );
}
