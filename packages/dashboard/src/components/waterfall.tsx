import { useState } from "react";
import type { Step } from "../api";
import { durationBetween, formatDuration, formatTime } from "../format";
import { JsonView } from "./json-view";
import { StatusBadge } from "./status-badge";
import { describeWait } from "./waiting-for";

/**
 * A run's timeline as a waterfall: one row per attempt of a step, its bar placed on a time axis
 * from the run's start to its end (or now). Each row is a button that shows the attempt's input,
 * output or error.
 */
export function Waterfall({ steps, start, end }: { steps: Step[]; start: string; end: string | null }) {
  const [open, setOpen] = useState<string | undefined>(undefined);
  const t0 = Date.parse(start);
  const t1 = Math.max(end ? Date.parse(end) : Date.now(), ...steps.map((s) => (s.ended_at ? Date.parse(s.ended_at) : Date.now())));
  const span = Math.max(1, t1 - t0);
  if (steps.length === 0) return <p className="empty">No steps yet.</p>;
  return (
    <ol className="waterfall" aria-label="Step timeline">
      {steps.map((step) => {
        const key = `${step.id}:${step.attempt}`;
        const begin = Date.parse(step.started_at);
        const ms = durationBetween(step.started_at, step.ended_at) ?? 0;
        const left = ((begin - t0) / span) * 100;
        const width = Math.max(0.5, (ms / span) * 100);
        const expanded = open === key;
        return (
          <li key={key} className={`step step-${step.status.toLowerCase()}`} data-step-name={step.name}>
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
