import { randomBytes } from "node:crypto";
import { decodeRealtimeFrame, encodeRealtimeFrame, RealtimeFanout, type RealtimeBus, type RealtimeSubscription } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";
import { QueueListener } from "./queue-listener.js";

/** NOTIFY refuses payloads of 8000 bytes or more; a frame up to this many goes whole. */
const maxInlineBytes = 7_900;
/** Bytes of a frame per chunk notification (base64 makes 6,668 characters of them, with room for the header). */
const chunkBytes = 5_000;
/** Partial messages older than this are dropped (their sender died between chunks' delivery, which one commit rules out, or a gap). */
const partialTtlMs = 60_000;

type PartialMessage = { parts: (Buffer | undefined)[]; missing: number; startedAt: number };

/**
 * Realtime across processes over Postgres LISTEN/NOTIFY, on the channel `<schema>.realtime` (one
 * LISTEN connection per process, opened with the first subscription, outside the pool).
 *
 * A notification carries `m<frame>` (see `encodeRealtimeFrame`). A frame over NOTIFY's 8000-byte
 * limit is sent as chunks, `c<id>:<index>:<count>:<base64 bytes>`, all notified in one transaction:
 * Postgres delivers a transaction's notifications together, in order, after those of transactions
 * that committed before it, so a chunked message keeps its place among the others and nothing is
 * stored. A publish resolves after its commit: publishes awaited one after another are delivered
 * in that order, to every process (ours included: local subscribers hear the same stream).
 */
export class PostgresRealtimeBus implements RealtimeBus {
  private readonly fanout: RealtimeFanout;
  private readonly listener: QueueListener;
  private readonly channel: string;
  private readonly partials = new Map<string, PartialMessage>();

  constructor(private readonly db: PostgresDatabase) {
    this.channel = `${db.schema}.realtime`;
    this.listener = new QueueListener({
      newClient: () => db.dedicatedClient(),
      channel: this.channel,
      onNotify: (payload) => this.heard(payload),
      // Realtime is not replayed: what was published while the connection was down is gone.
      onGap: () => {},
      describeError: (e) => db.translate(e),
    });
    this.fanout = new RealtimeFanout({ onFirst: () => this.listener.start() });
  }

  async publish(channel: string, topic: string, message: string): Promise<void> {
    const frame = encodeRealtimeFrame(channel, topic, message);
    if (Buffer.byteLength(frame) <= maxInlineBytes) {
      await this.db.query("SELECT pg_notify($1, $2)", [this.channel, `m${frame}`]);
      return;
    }
    const bytes = Buffer.from(frame);
    const id = randomBytes(8).toString("hex");
    const count = Math.ceil(bytes.length / chunkBytes);
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        const part = bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes).toString("base64");
        await tx.query("SELECT pg_notify($1, $2)", [this.channel, `c${id}:${i}:${count}:${part}`]);
      }
    });
  }

  subscribe(channel: string, topics: readonly string[], onMessage: (topic: string, message: string) => void): Promise<RealtimeSubscription> {
    return this.fanout.add(channel, topics, onMessage);
  }

  async close(): Promise<void> {
    this.fanout.clear();
    this.partials.clear();
    await this.listener.stop();
  }

  private heard(payload: string): void {
    if (payload.startsWith("m")) {
      this.deliver(payload.slice(1));
      return;
    }
    if (!payload.startsWith("c")) return;
    const [id, index, count, data] = payload.slice(1).split(":");
    const i = Number(index);
    const n = Number(count);
    if (id === undefined || data === undefined || !Number.isInteger(i) || !Number.isInteger(n) || i < 0 || i >= n) return;
    this.dropStale();
    let partial = this.partials.get(id);
    if (partial === undefined) {
      partial = { parts: new Array<Buffer | undefined>(n).fill(undefined), missing: n, startedAt: Date.now() };
      this.partials.set(id, partial);
    }
    if (partial.parts[i] !== undefined) return;
    partial.parts[i] = Buffer.from(data, "base64");
    if (--partial.missing > 0) return;
    this.partials.delete(id);
    this.deliver(Buffer.concat(partial.parts as Buffer[]).toString("utf8"));
  }

  private deliver(frame: string): void {
    const decoded = decodeRealtimeFrame(frame);
    if (decoded && this.fanout.has(decoded.channel)) this.fanout.deliver(decoded.channel, decoded.topic, decoded.message);
  }

  private dropStale(): void {
    const now = Date.now();
    for (const [id, partial] of this.partials) if (now - partial.startedAt > partialTtlMs) this.partials.delete(id);
  }
}
