import type { IncomingMessage } from "node:http";
import { bearerOf, secretEquals } from "./auth.js";

/**
 * Production mode's API token (`apiToken`): the REST API and the live stream require
 * `Authorization: Bearer <token>`. SDK endpoints keep their own auth (the signing key on
 * `/fn/register` and `/v1/checkpoint/…`, event keys on `/e/…`), and the dashboard's static files
 * are public: they hold no data, and the page asks for the token before calling the API.
 */
export function needsApiToken(pathname: string): boolean {
  // Prometheus metrics are operational data too: scrapers send the token as a bearer.
  if (pathname === "/metrics") return true;
  // `/v1/signals` and `/v1/realtime/*` check their own: the API token or, as SDKs send it, the
  // hashed signing key; a realtime subscriber, the token it was given.
  return pathname.startsWith("/v1/") && !pathname.startsWith("/v1/checkpoint/") && pathname !== "/v1/signals" && !pathname.startsWith("/v1/realtime/");
}

/**
 * Whether the request carries the token; always true when no token is configured (dev). Compared
 * as SHA-256 digests in constant time: equal lengths always, so timing reveals neither where the
 * given token differs nor how long the real one is.
 */
export function apiTokenAccepted(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  return secretEquals(bearerOf(req), token);
}

export const apiTokenRefusal = {
  error: "this server requires an API token: send Authorization: Bearer <token> (the token given to weft start --api-token)",
  status: 401,
};
