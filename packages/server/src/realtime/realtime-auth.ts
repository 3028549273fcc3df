import type { IncomingMessage } from "node:http";
import { apiTokenAccepted } from "../api-token.js";
import { sdkAuthorized } from "../auth.js";

export interface RealtimeAuthOptions {
  signingKey?: string;
  apiToken?: string;
}

/**
 * Who may issue subscription tokens and publish: apps (the hashed signing key, as the SDK sends it
 * from a function or a backend route) and operators (the API token). Open only on a server with
 * neither (dev). Stricter than `POST /v1/signals`, which a server without an API token leaves open:
 * a token or a publish reaches browsers, so a signing key alone already closes these.
 */
export function realtimeCallerAuthorized(req: IncomingMessage, opts: RealtimeAuthOptions): boolean {
  if (opts.signingKey !== undefined && sdkAuthorized(req, opts.signingKey)) return true;
  if (opts.apiToken) return apiTokenAccepted(req, opts.apiToken);
  return opts.signingKey === undefined;
}

export const realtimeAuthRefusal = {
  error: "not authorized: send Authorization: Bearer <hashed signing key> (the SDK does, given the signing key) or the API token",
  status: 401,
};
