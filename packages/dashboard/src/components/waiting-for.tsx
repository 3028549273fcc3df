import { useId, useState, type FormEvent } from "react";
import { api, invokedRunId, type Step } from "../api";
import { formatTime } from "../format";
import { Link } from "../router";

/** What a Waiting line of the timeline waits for, in words: a time, an event, a signal, a child run. */
export function describeWait(step: Step): string {
  const w = (step.output ?? {}) as {
    sleepUntil?: string;
    event?: string;
    signal?: string;
    timeout?: string;
    if?: string;
    match?: string;
    invoke?: string;
    url?: string;
  };
  const timesOut = w.timeout ? ` (times out ${/^\d{4}-/.test(w.timeout) ? formatTime(w.timeout) : `after ${w.timeout}`})` : "";
  if (w.sleepUntil) return `sleeping until ${formatTime(w.sleepUntil)}`;
  if (w.event) {
    const cond = w.if ?? w.match;
    return `waiting for event ${w.event}${cond ? ` where ${cond}` : ""}${timesOut}`;
  }
  if (step.op === "WaitForSignal" && w.signal) return `waiting for signal ${w.signal}${timesOut}`;
  if (w.invoke) return `waiting for the invoked function ${w.invoke} to finish`;
  if (w.url) return `waiting for a response from ${w.url}`;
  return `waiting (${step.op})`;
}

/** The signal a Waiting `step.waitForSignal` line waits on, if it is one. */
function waitedSignal(step: Step): string | undefined {
  const signal = step.op === "WaitForSignal" ? (step.output as { signal?: unknown } | null)?.signal : undefined;
  return typeof signal === "string" && signal !== "" ? signal : undefined;
}

/** What a run's Waiting lines wait for; a signal wait gets a form that sends the signal. */
export function WaitingFor({ steps, runId }: { steps: Step[]; runId: string }) {
  const waits = steps.filter((s) => s.status === "Waiting");
  if (waits.length === 0) return null;
  return (
    <section className="card waiting" aria-label="Waiting for">
      <h2>Waiting for</h2>
      <ul>
        {waits.map((s) => {
          const child = invokedRunId(s);
          const signal = waitedSignal(s);
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
              {signal && <SendSignalForm signal={signal} runId={runId} />}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/**
 * Send the signal a run waits on (`POST /v1/signals`): the server resumes the oldest run waiting
 * on it, which is named in the answer (another run when several wait on one signal name).
 */
function SendSignalForm({ signal, runId }: { signal: string; runId: string }) {
  const [data, setData] = useState("{}");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; runId?: string } | undefined>(undefined);
  let parsed: { value?: unknown; error?: string };
  try {
    parsed = { value: JSON.parse(data) };
  } catch (e) {
    parsed = { error: `data is not valid JSON: ${(e as Error).message}` };
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (parsed.error) return;
    setBusy(true);
    setResult(undefined);
    try {
      const answer = await api<{ data: { run_id: string } }>("/v1/signals", { method: "POST", body: { signal, data: parsed.value } });
      const resumed = answer.data.run_id;
      setResult({
        ok: true,
        text: resumed === runId ? "Signal sent: this run resumes." : "Signal sent: it resumed another run waiting on the same signal:",
        runId: resumed === runId ? undefined : resumed,
      });
    } catch (err) {
      setResult({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const statusId = useId();
  return (
    <form className="send-signal" aria-label={`Send the signal ${signal}`} onSubmit={(e) => void submit(e)}>
      <label>
        Signal data (JSON)
        <textarea
          name="signal-data"
          className="mono"
          rows={2}
          spellCheck={false}
          value={data}
          onChange={(e) => setData(e.target.value)}
          aria-invalid={!!parsed.error}
          aria-describedby={parsed.error ? statusId : undefined}
        />
      </label>
      {parsed.error && (
        <p id={statusId} className="error" role="alert">
          {parsed.error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || !!parsed.error}>
        Send signal
      </button>
      {result && (
        <p role={result.ok ? "status" : "alert"} className={result.ok ? "muted" : "error"}>
          {result.text}
          {result.runId && (
            <>
              {" "}
              <Link href={`/runs/${encodeURIComponent(result.runId)}`} className="mono">
                {result.runId}
              </Link>
            </>
          )}
        </p>
      )}
    </form>
  );
}
