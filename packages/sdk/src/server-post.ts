import { Agent, request } from "undici";
import type { ClientConfig } from "./config.js";

/** What the server answered: the status and the body as text. */
export interface ServerReply {
  status: number;
  text: string;
}

/** `path` under the server's base URL, keeping any path prefix of the base URL. */
export function serverUrl(baseUrl: string, path: string): URL {
  return new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
}

/** Keep-alive connections to Weft servers, shared by every client of this process. */
let agent: Agent | undefined;

/**
 * POST to the Weft server (event sends, checkpoints, sync): to an embedded engine's route, or
 * with the client's own `fetch` option through it; otherwise undici's `request` on keep-alive
 * connections: a checkpoint sits on the hot path of every step, and global `fetch` measured about
 * 4× slower here. Network failures throw.
 */
export async function postToServer(config: ClientConfig, url: URL, headers: Record<string, string>, body: string): Promise<ServerReply> {
  if (config.route) return config.route(url, headers, body);
  if (config.fetch) {
    const res = await config.fetch(url, { method: "POST", headers, body });
    return { status: res.status, text: await res.text().catch(() => "") };
  }
  agent ??= new Agent({ keepAliveTimeout: 30_000, connections: 32 });
  const res = await request(url, { method: "POST", headers, body, dispatcher: agent });
  return { status: res.statusCode, text: await res.body.text().catch(() => "") };
}
