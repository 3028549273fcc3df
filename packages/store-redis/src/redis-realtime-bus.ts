import { decodeRealtimeFrame, encodeRealtimeFrame, RealtimeFanout, type RealtimeBus, type RealtimeSubscription } from "@weft/store";
import type { RedisConnection } from "./redis-connection.js";

/**
 * Realtime across processes over Redis pub/sub. Each realtime channel is one Redis channel,
 * `<prefix>rt:<channel>`, which a process joins (on one dedicated connection) only while one of its
 * clients listens there; its own publishes come back the same way, so local and remote subscribers
 * see one order. A publish is one PUBLISH on the bundle's shared connection: publishes awaited one
 * after another reach Redis, and so every subscriber, in that order.
 *
 * On a Redis Cluster, PUBLISH is forwarded between nodes; order holds for publishes sent to one
 * node (ioredis may pick any node for a command without keys).
 */
export class RedisRealtimeBus implements RealtimeBus {
  private readonly fanout: RealtimeFanout;
  private readonly prefix: string;

  constructor(
    private readonly conn: RedisConnection,
    opts: { keyPrefix: string },
  ) {
    this.prefix = `${opts.keyPrefix}rt:`;
    const subscriber = conn.channelSubscriber((redisChannel, frame) => {
      const decoded = redisChannel.startsWith(this.prefix) ? decodeRealtimeFrame(frame) : undefined;
      if (decoded && `${this.prefix}${decoded.channel}` === redisChannel) this.fanout.deliver(decoded.channel, decoded.topic, decoded.message);
    });
    this.fanout = new RealtimeFanout({
      onFirst: (channel) => subscriber.add(this.prefix + channel),
      onLast: (channel) => subscriber.remove(this.prefix + channel),
    });
  }

  async publish(channel: string, topic: string, message: string): Promise<void> {
    await this.conn.command("PUBLISH", [this.prefix + channel, encodeRealtimeFrame(channel, topic, message)]);
  }

  subscribe(channel: string, topics: readonly string[], onMessage: (topic: string, message: string) => void): Promise<RealtimeSubscription> {
    return this.fanout.add(channel, topics, onMessage);
  }

  /** The subscriber connection is the bundle's: `RedisConnection.close()` ends it. */
  async close(): Promise<void> {
    this.fanout.clear();
  }
}
