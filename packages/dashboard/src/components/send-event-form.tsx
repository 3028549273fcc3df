import { useState, type FormEvent } from "react";
import { api } from "../api";
import { navigate } from "../router";

/** Parse the editor's text: an object, or why it is not one. */
function parseObject(text: string, what: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return { error: `${what} must be a JSON object` };
    return { value: value as Record<string, unknown> };
  } catch (e) {
    return { error: `${what} is not valid JSON: ${(e as Error).message}` };
  }
}

/** Send a test event through `POST /v1/events`; the JSON is checked as you type. */
export function SendEventForm() {
  const [name, setName] = useState("");
  const [data, setData] = useState("{\n  \n}");
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const parsed = parseObject(data, "data");
  const nameError = name.trim() === "" ? "an event needs a name" : name.startsWith("inngest/") ? "inngest/ names are reserved for the server" : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (nameError || parsed.error) return;
    setBusy(true);
    try {
      const { ids } = await api<{ ids: string[] }>("/v1/events", { method: "POST", body: { name: name.trim(), data: parsed.value } });
      setResult({ ok: true, text: `Sent: ${ids[0]}` });
      if (ids[0]) navigate(`/events/${ids[0]}`);
    } catch (err) {
      setResult({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card send-event" aria-label="Send a test event" onSubmit={(e) => void submit(e)}>
      <h2>Send a test event</h2>
      <label>
        Name
        <input
          name="event-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="app/user.created"
          aria-invalid={name !== "" && !!nameError}
        />
      </label>
      <label>
        Data (JSON)
        <textarea
          name="event-data"
          className="mono"
          rows={8}
          spellCheck={false}
          value={data}
          onChange={(e) => setData(e.target.value)}
          aria-invalid={!!parsed.error}
          aria-describedby="event-data-status"
        />
      </label>
      <p id="event-data-status" className={parsed.error ? "error" : "muted"} role={parsed.error ? "alert" : undefined}>
        {parsed.error ?? "Valid JSON object."}
      </p>
      <button type="submit" className="primary" disabled={busy || !!nameError || !!parsed.error}>
        Send event
      </button>
      {result && (
        <p role="status" className={result.ok ? "muted" : "error"}>
          {result.text}
        </p>
      )}
    </form>
  );
}
