import { randomBytes } from "node:crypto";
import { hashSigningKey, headers } from "@weft/core";
import type { ClientConfig } from "./config.js";
import { sdkHeader } from "./constants.js";
import { postToServer, serverUrl, type ServerReply } from "./server-post.js";

/** An event as `send` accepts it, before defaults are filled in. */
export interface EventInput {
  name: string;
  data?: unknown;
  user?: unknown;
  id?: string;
  ts?: number;
  v?: string;
}

/** Attempts and backoff of a send: 5 attempts, 100 ms doubling, as inngest-js. */
export interface SendRetry {
  attempts: number;
  baseDelayMs: number;
}

const defaultRetry: SendRetry = { attempts: 5, baseDelayMs: 100 };

/** `"<millis>,<base64 of 10 random bytes>"`: lets the server make the same ids on every retry. */
export function eventIdSeed(now: number = Date.now()): string {
  return `${now},${randomBytes(10).toString("base64")}`;
}

/** The event endpoint, keeping any path prefix of the base URL. */
export function eventUrl(baseUrl: string, eventKey: string): URL {
  return serverUrl(baseUrl, `e/${encodeURIComponent(eventKey)}`);
}

function normalize(event: EventInput, now: number): Record<string, unknown> {
  if (typeof event?.name !== "string" || event.name === "") throw new Error("Weft: every event needs a non-empty `name`");
  const out: Record<string, unknown> = { name: event.name, data: event.data ?? {}, ts: event.ts ?? now };
  if (event.id !== undefined) out.id = event.id;
  if (event.user !== undefined) out.user = event.user;
  if (event.v !== undefined) out.v = event.v;
  return out;
}

/**
 * `POST {baseUrl}/e/{eventKey}` with a JSON array. Network errors and 5xx answers are retried up
 * to 5 attempts (100 ms doubling backoff) with the same id seed; the reply must be
 * `{status: 200, ids}`, and anything else throws with the server's `error` message.
 */
export async function sendEvents(config: ClientConfig, events: readonly EventInput[], retry: SendRetry = defaultRetry): Promise<{ ids: string[] }> {
  if (events.length === 0) return { ids: [] };
  const now = Date.now();
  const body = JSON.stringify(events.map((e) => normalize(e, now)));
  const requestHeaders = {
    "content-type": "application/json",
    "user-agent": sdkHeader,
    [headers.sdk]: sdkHeader,
    [headers.eventIdSeed]: eventIdSeed(now),
  };
  const url = eventUrl(config.baseUrl, config.eventKey);
  let lastError: unknown;
  for (let attempt = 0; attempt < retry.attempts; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, retry.baseDelayMs * 2 ** (attempt - 1)));
    let res: ServerReply;
    try {
      res = await postToServer(config, url, requestHeaders, body);
    } catch (err) {
      lastError = err;
      continue;
    }
    const { text } = res;
    if (res.status >= 500) {
      lastError = new Error(`HTTP ${res.status} from ${url.origin}: ${text.slice(0, 200)}`);
      continue;
    }
    let reply: { status?: unknown; ids?: unknown; error?: unknown } = {};
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      // handled below: a reply without status 200 is a failure
    }
    if (reply.status === 200 && Array.isArray(reply.ids) && reply.error === undefined) {
      return { ids: reply.ids.map(String) };
    }
    throw new Error(typeof reply.error === "string" ? reply.error : `Failed to send events: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  throw new Error(`Failed to send events to ${url.origin} after ${retry.attempts} attempts`, { cause: lastError });
}

/**
 * `POST {baseUrl}/v1/signals` `{ signal, data }`, as inngest-js's `sendSignal`: resolves to the id of
 * the run it resumed, or `{ runId: undefined }` when no run waits on the signal (the server's 404).
 * Authenticated with the hashed signing key when the client has one. Not retried: a resumed run
 * cannot be told apart from a lost answer.
 */
export async function sendSignal(config: ClientConfig, signal: string, data: unknown): Promise<{ runId: string | undefined }> {
  if (typeof signal !== "string" || signal === "") throw new Error("Weft: sendSignal needs a non-empty `signal`");
  const requestHeaders: Record<string, string> = { "content-type": "application/json", "user-agent": sdkHeader, [headers.sdk]: sdkHeader };
  if (config.signingKey) requestHeaders.authorization = `Bearer ${hashSigningKey(config.signingKey)}`;
  const url = serverUrl(config.baseUrl, "v1/signals");
  const res = await postToServer(config, url, requestHeaders, JSON.stringify({ signal, data }));
  if (res.status === 404) return { runId: undefined };
  let reply: { data?: { run_id?: unknown }; error?: unknown } = {};
  try {
    reply = JSON.parse(res.text) as typeof reply;
  } catch {
    // handled below
  }
  if (res.status === 200 && typeof reply.data?.run_id === "string") return { runId: reply.data.run_id };
  throw new Error(`Failed to send signal: ${typeof reply.error === "string" ? reply.error : `HTTP ${res.status} ${res.text.slice(0, 200)}`}`);
}
