import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RealtimeBus } from "@weft/store";
import { BodyTooLargeError, readBody, sendJson } from "../http-util.js";
import type { Router } from "../router.js";
import { type RealtimeAuthOptions, realtimeAuthRefusal, realtimeCallerAuthorized } from "./realtime-auth.js";
import { bodyAsJson, realtimeFrame } from "./realtime-frames.js";
import { realtimeNameRefusal } from "./realtime-names.js";

export interface PublishRouteOptions extends RealtimeAuthOptions {
  /** Largest message body (the step-output limit: `step.realtime.publish` returns its data as the step's output). */
  maxMessageBytes: number;
}

/** A `text/stream` body is relayed in pieces of this many bytes (Inngest's chunk size). */
const streamChunkBytes = 1024;

/**
 * `POST /v1/realtime/publish?channel=&topic=[&topic=…][&run_id=]` (the SDK's `publish`, from a
 * function or a backend): the body is the message's data, JSON or text. Answers 200 once the bus
 * has taken it, so a publisher that awaits each publish has them delivered in that order.
 * `Content-Type: text/stream` relays the body as a data stream: `datastream-start` (the stream id),
 * a `chunk` per 1 KiB as it arrives, `datastream-end`.
 */
export function realtimePublishRoute(router: Router, bus: RealtimeBus, opts: PublishRouteOptions): void {
  router.on("POST", "/v1/realtime/publish", async ({ req, res, query }) => {
    if (!realtimeCallerAuthorized(req, opts)) return sendJson(res, 401, realtimeAuthRefusal, { "www-authenticate": "Bearer" });
    const channel = query.get("channel") ?? "";
    const topics = [...new Set(query.getAll("topic"))];
    const refused =
      realtimeNameRefusal("channel", channel) ??
      (topics.length === 0 ? "name at least one topic: ?topic=<name>" : topics.map((t) => realtimeNameRefusal("topic", t)).find((r) => r !== undefined));
    if (refused) return sendJson(res, 400, { error: refused, status: 400 });
    const runId = query.get("run_id") ?? undefined;
    if (runId !== undefined && !/^[0-9A-Za-z_-]{1,64}$/.test(runId)) return sendJson(res, 400, { error: "run_id must be a run id", status: 400 });

    const publish = (frame: (topic: string) => string) => Promise.all(topics.map((topic) => bus.publish(channel, topic, frame(topic))));
    if (String(req.headers["content-type"] ?? "").startsWith("text/stream")) {
      await relayStream(req, opts.maxMessageBytes, (kind, data, streamId) =>
        publish((topic) => realtimeFrame({ kind, channel, topic, runId, streamId }, data)).then(() => undefined),
      );
      return sendJson(res, 200, {});
    }
    const body = await readBody(req, opts.maxMessageBytes);
    const data = bodyAsJson(body);
    await publish((topic) => realtimeFrame({ kind: "data", channel, topic, runId }, data));
    sendJson(res, 200, {});
  });
}

type Relay = (kind: "datastream-start" | "chunk" | "datastream-end", dataJson: string, streamId?: string) => Promise<void>;

/** Publish a streamed body as it arrives: start, 1 KiB chunks, end (sent even when the body fails midway). */
async function relayStream(req: IncomingMessage, limit: number, relay: Relay): Promise<void> {
  const streamId = randomUUID().replaceAll("-", "");
  await relay("datastream-start", JSON.stringify(streamId));
  let size = 0;
  let pending = Buffer.alloc(0);
  try {
    for await (const piece of req as AsyncIterable<Buffer>) {
      size += piece.length;
      if (size > limit) throw new BodyTooLargeError(limit);
      pending = Buffer.concat([pending, piece]);
      while (pending.length >= streamChunkBytes) {
        const cut = utf8Boundary(pending, streamChunkBytes);
        await relay("chunk", JSON.stringify(pending.subarray(0, cut).toString("utf8")), streamId);
        pending = pending.subarray(cut);
      }
    }
    if (pending.length > 0) await relay("chunk", JSON.stringify(pending.toString("utf8")), streamId);
  } finally {
    await relay("datastream-end", JSON.stringify(streamId));
  }
}

/** The largest cut at or before `at` that does not split a UTF-8 character. */
function utf8Boundary(bytes: Buffer, at: number): number {
  let cut = at;
  // Continuation bytes are 10xxxxxx: step back to the start of the character they belong to.
  while (cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut--;
  return cut === 0 ? at : cut;
}
