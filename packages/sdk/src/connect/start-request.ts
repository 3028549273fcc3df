/**
 * The HTTP half of a Connect connection (protocol §17): `POST <base>/v0/connect/start` with a
 * protobuf `StartRequest` answers the gateway to open a socket to and the session token to show it.
 */
import { hashSigningKey } from "@weft/core";
import { codecs, connectStartPath, protobufContentType, type StartResponse } from "@weft/connect-protocol";
import { request } from "undici";
import type { ClientConfig } from "../config.js";
import { sdkHeader } from "../constants.js";
import { serverUrl } from "../server-post.js";

/**
 * A connection attempt that failed in a way worth trying again (the server out of reach, a
 * refusal, a socket that closed during the handshake). `gatewayClosing`: the server is shutting
 * down and another process (or this one, restarted) will take us soon, so the retry comes quickly.
 */
export class ReconnectError extends Error {
  override readonly name = "ReconnectError";
  readonly gatewayClosing: boolean;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.gatewayClosing = message.includes("connect_gateway_closing");
  }
}

/** Ask the server for a gateway. Throws `ReconnectError` on anything but a valid 200. */
export async function requestStart(config: ClientConfig, excludeGateways: readonly string[]): Promise<StartResponse> {
  const url = serverUrl(config.baseUrl, connectStartPath.slice(1));
  const requestHeaders: Record<string, string> = { "content-type": protobufContentType, "user-agent": sdkHeader };
  // The same bearer as every other call of the SDK: the hashed key, never the key itself.
  if (config.signingKey) requestHeaders.authorization = `Bearer ${hashSigningKey(config.signingKey)}`;
  const body = codecs.startRequest.encode({ excludeGateways: [...excludeGateways] });
  let status: number;
  let bytes: Uint8Array;
  try {
    if (config.fetch) {
      const res = await config.fetch(url, { method: "POST", headers: requestHeaders, body: Buffer.from(body) });
      status = res.status;
      bytes = new Uint8Array(await res.arrayBuffer());
    } else {
      const res = await request(url, { method: "POST", headers: requestHeaders, body });
      status = res.statusCode;
      bytes = new Uint8Array(await res.body.arrayBuffer());
    }
  } catch (err) {
    throw new ReconnectError(`the start request to ${url.href} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (status !== 200) throw new ReconnectError(`the start request to ${url.href} was answered ${status}: ${new TextDecoder().decode(bytes).slice(0, 300)}`);
  try {
    return codecs.startResponse.decode(bytes);
  } catch (err) {
    throw new ReconnectError(`the start answer from ${url.href} is not a StartResponse: ${(err as Error).message}`, { cause: err });
  }
}

/** Seconds between failed attempts, as the official SDK's (1, 2, 5, 10, 20, 30, 60, 120, 300 s). */
const backoffMs = [1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000];

/**
 * How long to wait before attempt `attempt` (1 = the first retry) after `error`: a server that is
 * shutting down is retried after 0.5–1.5 s, anything else backs off.
 */
export function retryDelayMs(attempt: number, error: ReconnectError): number {
  if (error.gatewayClosing) return 500 + Math.random() * 1000;
  return backoffMs[Math.min(attempt, backoffMs.length - 1)] ?? 60_000;
}
