import { parseJson, readBody, sendJson } from "../http-util.js";
import type { Router } from "../router.js";
import { type RealtimeAuthOptions, realtimeAuthRefusal, realtimeCallerAuthorized } from "./realtime-auth.js";
import { realtimeNameRefusal } from "./realtime-names.js";
import type { RealtimeTokens } from "./realtime-tokens.js";

/** Most topics one token may grant. */
const maxTopicsPerToken = 100;

/**
 * `POST /v1/realtime/token` with `[{ channel, name, kind: "run" }, …]` (the SDK's
 * `getSubscriptionToken`): answers 201 `{ jwt }`, a token for that channel and those topics only.
 * Every entry must name the same channel: a token is scoped to one.
 */
export function realtimeTokenRoute(router: Router, tokens: RealtimeTokens, opts: RealtimeAuthOptions): void {
  router.on("POST", "/v1/realtime/token", async ({ req, res }) => {
    if (!realtimeCallerAuthorized(req, opts)) return sendJson(res, 401, realtimeAuthRefusal, { "www-authenticate": "Bearer" });
    const parsed = parseJson(await readBody(req, 64 * 1024));
    if (!parsed.ok) return sendJson(res, 400, { error: parsed.error, status: 400 });
    const grant = grantOf(parsed.value);
    if ("error" in grant) return sendJson(res, 400, { error: grant.error, status: 400 });
    sendJson(res, 201, { jwt: await tokens.issue(grant) });
  });
}

function grantOf(body: unknown): { channel: string; topics: string[] } | { error: string } {
  const shape = 'body must be a list of topics: [{"channel": "<channel>", "name": "<topic>", "kind": "run"}, …]';
  if (!Array.isArray(body) || body.length === 0) return { error: shape };
  if (body.length > maxTopicsPerToken) return { error: `a token may grant at most ${maxTopicsPerToken} topics` };
  let channel: string | undefined;
  const topics = new Set<string>();
  for (const entry of body as { channel?: unknown; name?: unknown; kind?: unknown }[]) {
    if (entry === null || typeof entry !== "object") return { error: shape };
    const refused = realtimeNameRefusal("channel", entry.channel) ?? realtimeNameRefusal("topic", entry.name);
    if (refused) return { error: refused };
    if (entry.kind !== undefined && entry.kind !== "run") return { error: `topic kind ${JSON.stringify(entry.kind)} is not supported: only "run"` };
    if (channel !== undefined && entry.channel !== channel) return { error: "every topic of a token must name the same channel" };
    channel = entry.channel as string;
    topics.add(entry.name as string);
  }
  return { channel: channel as string, topics: [...topics] };
}
