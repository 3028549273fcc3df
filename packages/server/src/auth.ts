import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { hashSigningKey } from "@weft/core";

/**
 * Requests from SDKs (register, checkpoint) carry `Authorization: Bearer <hashed signing key>`
 * (protocol §10). Without a server signing key (dev) every request passes, as the SDK then sends
 * an empty bearer.
 */
export function sdkAuthorized(req: IncomingMessage, signingKey: string | undefined): boolean {
  if (!signingKey) return true;
  const given = Buffer.from(String(req.headers.authorization ?? "").replace(/^Bearer\s+/i, ""));
  const expected = Buffer.from(hashSigningKey(signingKey));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
