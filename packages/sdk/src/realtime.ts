/**
 * Realtime in Weft's SDK, with the official SDK's names and shapes (`inngest/realtime`):
 * `realtime.channel(...)` declares a channel and its topics, `publish` sends a message from a
 * function (`step.realtime.publish`, `weft.realtime.publish`), `getSubscriptionToken` asks the
 * server for a token scoped to one channel and some topics, and `subscribe` opens the WebSocket
 * (protocol §16) and yields the messages.
 */
import { hashSigningKey } from "@weft/core";
import { WebSocket as UndiciWebSocket } from "undici";
import type { ClientConfig } from "./config.js";
import { sdkHeader } from "./constants.js";
import { postToServer, serverUrl } from "./server-post.js";

/** One topic of a channel: what `publish` takes. */
export interface TopicRef<TData = unknown> {
  channel: string;
  topic: string;
  /** Carries the data type only. */
  readonly __data?: TData;
}

/** A channel's topics, each with the type of its data (`{} as T` or `topic<T>()`). */
export type TopicsConfig = Record<string, unknown>;

export type ChannelInstance<TTopics extends TopicsConfig> = { name: string; topics: TTopics } & { [K in keyof TTopics & string]: TopicRef<TTopics[K]> };

/** The data type of a topic, for `channel({ topics: { status: topic<{ step: number }>() } })`. */
export function topic<TData>(): TData {
  return undefined as TData;
}

/** A channel: fixed (`name: "chat"`) or one per argument (`name: (id) => \`run:${id}\``). */
export function channel<TTopics extends TopicsConfig>(opts: { name: string; topics: TTopics }): ChannelInstance<TTopics>;
export function channel<TTopics extends TopicsConfig, A extends unknown[]>(opts: {
  name: (...args: A) => string;
  topics: TTopics;
}): (...args: A) => ChannelInstance<TTopics>;
export function channel(opts: { name: string | ((...args: unknown[]) => string); topics: TopicsConfig }): unknown {
  const instance = (name: string) => {
    const refs: Record<string, TopicRef> = {};
    for (const t of Object.keys(opts.topics)) refs[t] = { channel: name, topic: t };
    return { name, topics: opts.topics, ...refs };
  };
  const { name } = opts;
  return typeof name === "function" ? (...args: unknown[]) => instance(name(...args)) : instance(name);
}

export const realtime = { channel, topic };

/** A message as a subscriber receives it. */
export interface RealtimeMessage<TData = unknown> {
  kind: "data" | "datastream-start" | "datastream-end" | "chunk";
  channel: string;
  topic: string;
  data: TData;
  runId?: string;
  createdAt?: Date;
  streamId?: string;
}

/** What `subscribe` needs: the channel, the topics, and the token key from `getSubscriptionToken`. */
export interface SubscriptionToken {
  channel: string;
  topics: string[];
  key: string;
  apiBaseUrl: string;
}

function authHeaders(config: ClientConfig): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json", "user-agent": sdkHeader };
  if (config.signingKey) h.authorization = `Bearer ${hashSigningKey(config.signingKey)}`;
  return h;
}

/** `POST /v1/realtime/publish?channel=&topic=[&run_id=]` with the data as JSON. */
export async function publish(config: ClientConfig, ref: TopicRef, data: unknown, runId?: string): Promise<void> {
  const url = serverUrl(config.baseUrl, "v1/realtime/publish");
  url.searchParams.set("channel", ref.channel);
  url.searchParams.set("topic", ref.topic);
  if (runId) url.searchParams.set("run_id", runId);
  const res = await postToServer(config, url, authHeaders(config), JSON.stringify(data ?? null));
  if (res.status !== 200) throw new Error(`Failed to publish to realtime: HTTP ${res.status} ${res.text.slice(0, 200)}`);
}

/** A token for `channel` and `topics` only (`POST /v1/realtime/token`), valid to connect for a minute. */
export async function getSubscriptionToken(
  client: { config: ClientConfig },
  args: { channel: string | { name: string }; topics: readonly string[] },
): Promise<SubscriptionToken> {
  const name = typeof args.channel === "string" ? args.channel : args.channel.name;
  const body = JSON.stringify(args.topics.map((t) => ({ channel: name, name: t, kind: "run" })));
  const res = await postToServer(client.config, serverUrl(client.config.baseUrl, "v1/realtime/token"), authHeaders(client.config), body);
  let reply: { jwt?: unknown; error?: unknown } = {};
  try {
    reply = JSON.parse(res.text) as typeof reply;
  } catch {
    // handled below
  }
  if (res.status >= 300 || typeof reply.jwt !== "string") {
    throw new Error(`Failed to get subscription token: ${typeof reply.error === "string" ? reply.error : `HTTP ${res.status}`}`);
  }
  return { channel: name, topics: [...args.topics], key: reply.jwt, apiBaseUrl: client.config.baseUrl };
}

/** An open subscription: a stream of messages that `close()` ends. */
export type RealtimeSubscription = ReadableStream<RealtimeMessage> & { close(reason?: string): void };

/**
 * Open the subscription: a WebSocket to `/v1/realtime/connect?token=…` (the global `WebSocket`, or
 * undici's on Node 20). Resolves once open; rejects when the server refuses the token. Each
 * message is also handed to `onMessage` when given.
 */
export async function subscribe(token: SubscriptionToken, onMessage?: (message: RealtimeMessage) => void): Promise<RealtimeSubscription> {
  const url = serverUrl(token.apiBaseUrl, "v1/realtime/connect");
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", token.key);
  const Socket = ((globalThis as { WebSocket?: typeof UndiciWebSocket }).WebSocket ?? UndiciWebSocket) as typeof UndiciWebSocket;
  const ws = new Socket(url);
  let controller: ReadableStreamDefaultController<RealtimeMessage> | undefined;
  let open = true;
  const stream = new ReadableStream<RealtimeMessage>({
    start: (c) => {
      controller = c;
    },
    cancel: () => close(),
  });
  const close = (reason = "closed by the subscriber") => {
    if (!open) return;
    open = false;
    ws.close(1000, reason);
    controller?.close();
  };
  const topics = new Set(token.topics);
  ws.onmessage = (event) => {
    let raw: { kind?: string; channel?: string; topic?: string; data?: unknown; run_id?: string; created_at?: string; stream_id?: string };
    try {
      raw = JSON.parse(String(event.data));
    } catch {
      return;
    }
    if (!open || raw.channel !== token.channel || raw.topic === undefined || !topics.has(raw.topic)) return;
    const message: RealtimeMessage = {
      kind: raw.kind as RealtimeMessage["kind"],
      channel: raw.channel,
      topic: raw.topic,
      data: raw.data,
      ...(raw.run_id ? { runId: raw.run_id } : {}),
      ...(raw.created_at ? { createdAt: new Date(raw.created_at) } : {}),
      ...(raw.stream_id ? { streamId: raw.stream_id } : {}),
    };
    controller?.enqueue(message);
    onMessage?.(message);
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`realtime subscription to ${token.channel} was refused or failed (${url.origin})`));
  });
  ws.onclose = () => {
    if (!open) return;
    open = false;
    controller?.close();
  };
  return Object.assign(stream, { close });
}
