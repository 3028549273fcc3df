import type { ServerResponse } from "node:http";
import type { HistoryChange } from "./notifying-history.js";
import type { Router } from "./router.js";

export interface LiveUpdatesOptions {
  /** At most one notification of each kind per this many ms (default 250). */
  throttleMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
}

/**
 * `GET /v1/stream`: server-sent events telling watchers that something changed, not what. A
 * message is `{"type":"runs-changed"}` or `{"type":"event"}`; the page refetches what it shows.
 * Sending no data keeps the stream cheap however busy the engine is, and throttling (leading and
 * trailing edge) bounds it at a few messages a second while never dropping the last change.
 */
export class LiveUpdates {
  private readonly clients = new Set<ServerResponse>();
  private readonly pending = new Map<HistoryChange, NodeJS.Timeout>();
  private readonly lastSent = new Map<HistoryChange, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly throttleMs: number;

  constructor(opts: LiveUpdatesOptions = {}) {
    this.throttleMs = opts.throttleMs ?? 250;
    this.heartbeat = setInterval(() => this.write(": keep-alive\n\n"), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  routes(router: Router): void {
    router.on("GET", "/v1/stream", async ({ req, res }) => {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        // Tell nginx-style proxies not to buffer the stream.
        "x-accel-buffering": "no",
      });
      res.write("retry: 2000\n: connected\n\n");
      this.clients.add(res);
      req.on("close", () => this.clients.delete(res));
    });
  }

  /** Note a change; watchers hear of it within `throttleMs`. */
  notify(change: HistoryChange): void {
    if (this.clients.size === 0 || this.pending.has(change)) return;
    const wait = Math.max(0, (this.lastSent.get(change) ?? 0) + this.throttleMs - Date.now());
    const send = () => {
      this.pending.delete(change);
      this.lastSent.set(change, Date.now());
      this.write(`data: ${JSON.stringify({ type: change === "runs" ? "runs-changed" : "event" })}\n\n`);
    };
    if (wait === 0) send();
    else {
      const timer = setTimeout(send, wait);
      timer.unref();
      this.pending.set(change, timer);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}
