/** What a subscriber is sent: one JSON text frame per message (protocol §16). */
export interface FrameFields {
  kind: "data" | "datastream-start" | "datastream-end" | "chunk";
  channel: string;
  topic: string;
  runId?: string;
  streamId?: string;
}

/**
 * A message frame as the SDK's `Realtime.messageSchema` reads it: `{ kind, channel, topic,
 * created_at, run_id?, stream_id?, data }`. `dataJson` is spliced in as it came (already valid
 * JSON), so a large message is never parsed into objects and serialised again.
 */
export function realtimeFrame(fields: FrameFields, dataJson: string, createdAt: Date = new Date()): string {
  const head: Record<string, string> = { kind: fields.kind, channel: fields.channel, topic: fields.topic, created_at: createdAt.toISOString() };
  if (fields.runId) head.run_id = fields.runId;
  if (fields.streamId) head.stream_id = fields.streamId;
  const text = JSON.stringify(head);
  return `${text.slice(0, -1)},"data":${dataJson}}`;
}

/**
 * A published body as JSON data: valid JSON as it is (Inngest does not double-encode it), other
 * text as a JSON string.
 */
export function bodyAsJson(body: string): string {
  if (body.trim() === "") return JSON.stringify(body);
  try {
    JSON.parse(body);
    return body;
  } catch {
    return JSON.stringify(body);
  }
}
