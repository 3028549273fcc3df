import { AsyncLocalStorage } from "node:async_hooks";
import type { ServerHttp2Stream } from "node:http2";
import type { Queue } from "@weft/store";
import type { SubscribeLine } from "./wire.js";

/** The client a backend call runs for; `wakeups` collects what it causes until the call returns. */
interface CallScope {
  clientId: string;
  open: boolean;
  wakeups: number[];
}

interface Subscriber {
  clientId: string;
  stream: ServerHttp2Stream;
  pending: number[];
  scheduled: boolean;
}

/** Most wakeups one flush sends a subscriber: the earliest ones, which are the ones that matter. */
const maxPerFlush = 64;
/** A subscriber this far behind is not reading; wakeups are hints, so skip rather than buffer. */
const maxBufferedBytes = 1 << 20;

/**
 * Queue wakeups across the wire. The coordinator subscribes once to the backing queue; every
 * backend call runs inside an `AsyncLocalStorage` scope naming its client, and the backends
 * notify synchronously within their enqueue/requeue (after its awaits, still inside the scope). So
 * each wakeup is attributed to the call that caused it:
 *
 * - the calling client gets it in the call's reply and tells its own listeners before the call
 *   resolves (exactly what an in-process queue does);
 * - every other client is pushed it on its `/subscribe` stream;
 * - a wakeup outside any call (Postgres NOTIFY or Redis PUBLISH from another process, another
 *   coordinator) is pushed to every client.
 */
export class WakeupHub {
  private readonly scope = new AsyncLocalStorage<CallScope>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly unsubscribe: () => void;

  constructor(queue: Queue) {
    // Subscribed here, outside any call scope, so the backend's own listening connection (opened
    // lazily by some backends) never inherits a client's scope.
    this.unsubscribe = queue.subscribe((availableAt) => this.heard(availableAt));
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Run one backend call for `clientId`; answers its value and the wakeups it caused. */
  async run<T>(clientId: string, fn: () => Promise<T>): Promise<{ value: T; wakeups: number[] }> {
    const scope: CallScope = { clientId, open: true, wakeups: [] };
    try {
      const value = await this.scope.run(scope, fn);
      return { value, wakeups: scope.wakeups };
    } finally {
      scope.open = false;
    }
  }

  /** Hold `stream` open and push it every wakeup not caused by `clientId` itself. */
  add(stream: ServerHttp2Stream, clientId: string): void {
    const subscriber: Subscriber = { clientId, stream, pending: [], scheduled: false };
    this.subscribers.add(subscriber);
    stream.on("close", () => this.subscribers.delete(subscriber));
    stream.on("error", () => this.subscribers.delete(subscriber));
    stream.respond({ ":status": 200, "content-type": "application/x-ndjson", "cache-control": "no-store" });
    stream.write(line({ ready: true }));
  }

  /** Stop listening and end every subscriber stream (clients reconnect, to another coordinator if need be). */
  close(): void {
    this.unsubscribe();
    for (const subscriber of this.subscribers) subscriber.stream.end();
    this.subscribers.clear();
  }

  private heard(availableAt: number): void {
    const scope = this.scope.getStore();
    const origin = scope?.open === true ? scope.clientId : undefined;
    if (scope?.open === true) scope.wakeups.push(availableAt);
    for (const subscriber of this.subscribers) {
      if (subscriber.clientId === origin) continue;
      subscriber.pending.push(availableAt);
      if (!subscriber.scheduled) {
        subscriber.scheduled = true;
        // One write per event-loop turn per subscriber, however many enqueues the turn saw.
        setImmediate(() => this.flush(subscriber));
      }
    }
  }

  private flush(subscriber: Subscriber): void {
    subscriber.scheduled = false;
    const times = [...new Set(subscriber.pending.splice(0))].sort((a, b) => a - b).slice(0, maxPerFlush);
    const { stream } = subscriber;
    if (stream.destroyed || stream.closed || !this.subscribers.has(subscriber)) return;
    if (stream.writableLength > maxBufferedBytes) return;
    stream.write(times.map((availableAt) => line({ availableAt })).join(""));
  }
}

function line(value: SubscribeLine): string {
  return `${JSON.stringify(value)}\n`;
}
