import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { hashSigningKey } from "@weft/core";

/**
 * Requests from SDKs (register, checkpoint) carry `Authorization: Bearer <hashed signing key>`
 * (protocol §10). Without a server signing key (dev) every request passes, as the SDK then sends
 * an empty bearer.
 */
export function sdkAuthorized(req: IncomingMessage, signingKey: string | undefined): boolean {
  return sdkAuthorizer(signingKey)(req);
}

/**
 * `sdkAuthorized` for one signing key, its hashed form digested once: for a route an SDK calls
 * after every step (checkpoints), where hashing the key again per request showed in the profile.
 */
export function sdkAuthorizer(signingKey: string | undefined): (req: IncomingMessage) => boolean {
  if (!signingKey) return () => true;
  const expected = digest(hashSigningKey(signingKey));
  return (req) => timingSafeEqual(digest(bearerOf(req)), expected);
}

/** The token of an `Authorization: Bearer <token>` header ("" without one). */
export function bearerOf(req: IncomingMessage): string {
  return String(req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Whether a secret given by a client equals ours, in time that depends on neither where they
 * differ nor their lengths: both are compared as SHA-256 digests (fixed length) in constant time.
 * Comparing lengths first would tell an attacker the secret's length.
 */
export function secretEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

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
