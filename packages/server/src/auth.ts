import { createHash, timingSafeEqual } from "node:crypto";
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

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Whether `given` is one of the event keys, in time that depends on neither where they differ nor
 * which key matched: every key is compared (as SHA-256 digests, so lengths leak nothing either).
 * No keys configured (dev) accepts any.
 */
export function eventKeyAccepted(given: string, keys: string[]): boolean {
  if (keys.length === 0) return true;
  const g = digest(given);
  let ok = false;
  for (const key of keys) ok = timingSafeEqual(g, digest(key)) || ok;
  return ok;
}
