import type { ClientHttp2Stream } from "node:http2";
import type { RemoteConnection } from "./remote-connection.js";
import { subscribePath } from "./wire.js";
import type { SubscribeLine } from "./wire.js";

const reopenBaseMs = 100;
const reopenMaxMs = 2_000;

/**
 * `Queue.subscribe` for a remote queue. Listeners hear:
 *
 * - the wakeups this client's own calls caused, from each call's reply, before the call resolves
 *   (so the contract's "enqueued through this process" holds exactly);
 * - the wakeups of every other client of the coordinator (and of other processes, where the
 *   backend relays them), pushed on one `GET /subscribe` stream held open while anyone listens.
 *
 * A lost stream is reopened with backoff, on whichever coordinator answers; after a gap the
 * listeners are told "now", so a worker polls once for what it may have missed.
 */
export class RemoteWakeups {
  private readonly listeners = new Set<(availableAt: number) => void>();
  private stream: ClientHttp2Stream | undefined;
  private opening = false;
  private lost = false;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly conn: RemoteConnection) {
    conn.onWakeup = (availableAt) => this.notify(availableAt);
  }

  subscribe(listener: (availableAt: number) => void): () => void {
    this.listeners.add(listener);
    void this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Forget every listener and close the stream. */
  close(): void {
    this.listeners.clear();
    this.stop();
  }

  /** A listener's failure must not fail the call that caused the wakeup, which already happened. */
  notify(availableAt: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(availableAt);
      } catch {
        // ignored, as in every in-process queue
      }
    }
  }

  private async open(): Promise<void> {
    if (this.stream !== undefined || this.opening || this.listeners.size === 0 || this.conn.isClosed) return;
    this.opening = true;
    let stream: ClientHttp2Stream;
    try {
      stream = await this.conn.openStream(subscribePath);
    } catch {
      this.lost = true;
      this.scheduleReopen();
      return;
    } finally {
      this.opening = false;
    }
    if (this.listeners.size === 0 || this.conn.isClosed) {
      stream.close();
      return;
    }
    this.stream = stream;
    this.attempts = 0;
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf("\n");
      while (end >= 0) {
        this.heard(buffered.slice(0, end));
        buffered = buffered.slice(end + 1);
        end = buffered.indexOf("\n");
      }
    });
    stream.on("close", () => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.lost = true;
      this.scheduleReopen();
    });
    if (this.lost) {
      this.lost = false;
      this.notify(Date.now());
    }
  }

  private heard(text: string): void {
    let line: SubscribeLine;
    try {
      line = JSON.parse(text) as SubscribeLine;
    } catch {
      return;
    }
    if ("availableAt" in line && typeof line.availableAt === "number") this.notify(line.availableAt);
  }

  private scheduleReopen(): void {
    if (this.listeners.size === 0 || this.timer !== undefined || this.conn.isClosed) return;
    const delay = Math.min(reopenMaxMs, reopenBaseMs * 2 ** this.attempts);
    this.attempts += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.open();
    }, delay);
    // Wakeups are a hint; a pending reopen must not keep a finished process alive.
    this.timer.unref();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.close();
  }
}
