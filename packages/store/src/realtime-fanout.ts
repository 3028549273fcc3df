import type { RealtimeSubscription } from "./realtime-bus.js";

type Listener = { topics: ReadonlySet<string>; onMessage: (topic: string, message: string) => void };

/**
 * The in-process half of every `RealtimeBus`: who in this process listens to which channel and
 * topics, and delivery to them. Backends that fan out across processes (Redis, Postgres) feed it
 * what arrives from their backend; `onFirst` / `onLast` let them follow a channel only while someone
 * here listens to it.
 */
export class RealtimeFanout {
  private readonly listeners = new Map<string, { set: Set<Listener>; ready: Promise<void> }>();

  constructor(private readonly hooks: { onFirst?: (channel: string) => Promise<void>; onLast?: (channel: string) => Promise<void> } = {}) {}

  /** Add a listener; resolves once the channel's `onFirst` has (whichever listener caused it). */
  async add(channel: string, topics: readonly string[], onMessage: (topic: string, message: string) => void): Promise<RealtimeSubscription> {
    const listener: Listener = { topics: new Set(topics), onMessage };
    let entry = this.listeners.get(channel);
    if (entry === undefined) {
      entry = { set: new Set(), ready: this.hooks.onFirst?.(channel) ?? Promise.resolve() };
      this.listeners.set(channel, entry);
    }
    entry.set.add(listener);
    try {
      await entry.ready;
    } catch (e) {
      await this.remove(channel, listener);
      throw e;
    }
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        await this.remove(channel, listener);
      },
    };
  }

  private async remove(channel: string, listener: Listener): Promise<void> {
    const entry = this.listeners.get(channel);
    if (!entry?.set.delete(listener) || entry.set.size > 0) return;
    this.listeners.delete(channel);
    await this.hooks.onLast?.(channel);
  }

  /** Whether anyone in this process listens to `channel`. */
  has(channel: string): boolean {
    return this.listeners.has(channel);
  }

  /** Hand a message to this process's listeners of its channel and topic, in the order delivered. */
  deliver(channel: string, topic: string, message: string): void {
    const entry = this.listeners.get(channel);
    if (entry === undefined) return;
    for (const listener of entry.set) {
      if (!listener.topics.has(topic)) continue;
      try {
        listener.onMessage(topic, message);
      } catch {
        // One listener's failure (a closed socket) must not keep the message from the others.
      }
    }
  }

  /** Drop every listener (the bus is closing). */
  clear(): void {
    this.listeners.clear();
  }
}

/**
 * A bus message as one text, for backends that carry channel, topic and message together:
 * `<channel length>:<channel><topic length>:<topic><message>` (lengths in UTF-16 units).
 */
export function encodeRealtimeFrame(channel: string, topic: string, message: string): string {
  return `${channel.length}:${channel}${topic.length}:${topic}${message}`;
}

/** The inverse of `encodeRealtimeFrame`; undefined for text that is not a frame. */
export function decodeRealtimeFrame(frame: string): { channel: string; topic: string; message: string } | undefined {
  const channel = readField(frame, 0);
  if (channel === undefined) return undefined;
  const topic = readField(frame, channel.end);
  if (topic === undefined) return undefined;
  return { channel: channel.value, topic: topic.value, message: frame.slice(topic.end) };
}

function readField(text: string, from: number): { value: string; end: number } | undefined {
  const colon = text.indexOf(":", from);
  if (colon < 0 || colon - from > 10) return undefined;
  const length = Number(text.slice(from, colon));
  if (!Number.isInteger(length) || length < 0 || colon + 1 + length > text.length) return undefined;
  return { value: text.slice(colon + 1, colon + 1 + length), end: colon + 1 + length };
}
