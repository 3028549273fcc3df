import type { RealtimeBus, RealtimeSubscription } from "../realtime-bus.js";
import { RealtimeFanout } from "../realtime-fanout.js";

/**
 * Realtime within one process (memory and SQLite deployments, tests): `publish` hands the message
 * to this process's subscribers before it resolves, so order is the order of the calls.
 */
export class MemoryRealtimeBus implements RealtimeBus {
  private readonly fanout = new RealtimeFanout();

  async publish(channel: string, topic: string, message: string): Promise<void> {
    this.fanout.deliver(channel, topic, message);
  }

  subscribe(channel: string, topics: readonly string[], onMessage: (topic: string, message: string) => void): Promise<RealtimeSubscription> {
    return this.fanout.add(channel, topics, onMessage);
  }

  async close(): Promise<void> {
    this.fanout.clear();
  }
}
