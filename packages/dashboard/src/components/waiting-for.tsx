import { invokedRunId, type Step } from "../api";
import { formatTime } from "../format";
import { Link } from "../router";

/** What a Waiting line of the timeline waits for, in words: a time, an event, a child run. */
export function describeWait(step: Step): string {
  const w = (step.output ?? {}) as { sleepUntil?: string; event?: string; timeout?: string; if?: string; match?: string; invoke?: string; url?: string };
  if (w.sleepUntil) return `sleeping until ${formatTime(w.sleepUntil)}`;
  if (w.event) {
    const cond = w.if ?? w.match;
    return `waiting for event ${w.event}${cond ? ` where ${cond}` : ""}${w.timeout ? ` (times out ${/^\d{4}-/.test(w.timeout) ? formatTime(w.timeout) : `after ${w.timeout}`})` : ""}`;
  }
  if (w.invoke) return `waiting for the invoked function ${w.invoke} to finish`;
  if (w.url) return `waiting for a response from ${w.url}`;
  return `waiting (${step.op})`;
}

export function WaitingFor({ steps }: { steps: Step[] }) {
  const waits = steps.filter((s) => s.status === "Waiting");
  if (waits.length === 0) return null;
  return (
    <section className="card waiting" aria-label="Waiting for">
      <h2>Waiting for</h2>
      <ul>
        {waits.map((s) => {
          const child = invokedRunId(s);
          return (
            <li key={`${s.id}:${s.attempt}`}>
              <strong>{s.name}</strong>: {describeWait(s)}
              {child && (
                <>
                  {" "}
                  (run{" "}
                  <Link href={`/runs/${encodeURIComponent(child)}`} className="mono">
                    {child}
                  </Link>
                  )
                </>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
