import { authHeaders } from "./api";

export type LiveChange = "runs-changed" | "event";
type Listener = (change: LiveChange) => void;

const listeners = new Set<Listener>();
let running = false;

/**
 * One shared connection to `GET /v1/stream` for the whole page. It is read with fetch rather than
 * EventSource because EventSource cannot send the API token as a header, and a token in the URL
 * would end up in logs. It reconnects with backoff while anyone listens.
 */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  if (!running) void connectLoop();
  return () => listeners.delete(listener);
}

async function connectLoop(): Promise<void> {
  running = true;
  let delay = 500;
  while (listeners.size > 0) {
    try {
      const res = await fetch("/v1/stream", { headers: { ...authHeaders(), accept: "text/event-stream" } });
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      delay = 500;
      // Anything may have changed while we were away.
      for (const l of listeners) l("runs-changed");
      await read(res.body);
    } catch {
      // Fall through to a retry: the server restarted, or the token is not set yet.
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10_000);
  }
  running = false;
}

async function read(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const data = message
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("\n");
      if (!data) continue;
      try {
        const { type } = JSON.parse(data) as { type: LiveChange };
        for (const l of listeners) l(type);
      } catch {
        // A message we do not understand: ignore it.
      }
    }
  }
}
