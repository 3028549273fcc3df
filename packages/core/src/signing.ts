/**
 * Request signing (protocol §10): the server signs each call with
 * `X-Inngest-Signature: t=<unix s>&s=<hex HMAC-SHA256 of body + t>`, keyed by the signing key's
 * UTF-8 text without its `signkey-<env>-` prefix; the SDK authenticates to the server with the
 * SHA-256 of the hex-decoded key.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

const keyPrefix = /^signkey-\w+-/;
/**
 * How far a signature's `t` may be from now, either way: 5 minutes, as inngest-js
 * (`InngestCommHandler.hasExpired`) and the Inngest server. Within it a captured call can be sent
 * again (replayed); see docs/security.md for what that can and cannot do.
 */
export const signatureWindowSeconds = 5 * 60;

/** `Bearer` value for the server: `<prefix><hex sha256 of the hex-decoded key>`. */
export function hashSigningKey(signingKey: string): string {
  const prefix = keyPrefix.exec(signingKey)?.[0] ?? "";
  const hashed = createHash("sha256")
    .update(Buffer.from(signingKey.slice(prefix.length), "hex"))
    .digest("hex");
  return `${prefix}${hashed}`;
}

function mac(body: string, signingKey: string, t: string): string {
  return createHmac("sha256", signingKey.replace(keyPrefix, ""))
    .update(body + t)
    .digest("hex");
}

/** The `X-Inngest-Signature` value for `body` at `unixSeconds`. */
export function signRequest(body: string, signingKey: string, unixSeconds: number = Math.floor(Date.now() / 1000)): string {
  return `t=${unixSeconds}&s=${mac(body, signingKey, String(unixSeconds))}`;
}

/**
 * True when `header` signs `body` with `signingKey` within `signatureWindowSeconds` of `nowMs`. The body is
 * checked as received and, like inngest-js, as canonical JSON (for frameworks that parsed it).
 */
export function verifySignature(header: string | undefined, body: string, signingKey: string, nowMs: number = Date.now()): boolean {
  if (!header) return false;
  const params = new URLSearchParams(header);
  const t = params.get("t") ?? "";
  const s = params.get("s") ?? "";
  // Exactly one SHA-256 in hex: Buffer.from(hex) drops an odd trailing digit, so a looser pattern
  // would accept altered signatures (a valid one with a digit appended).
  if (!/^\d+$/.test(t) || !/^[0-9a-f]{64}$/i.test(s)) return false;
  if (Math.abs(nowMs / 1000 - Number(t)) > signatureWindowSeconds) return false;
  const candidates = [body];
  try {
    candidates.push(canonicalJson(JSON.parse(body)));
  } catch {
    // not JSON: only the raw bytes can match
  }
  const given = Buffer.from(s, "hex");
  return candidates.some((candidate) => timingSafeEqual(Buffer.from(mac(candidate, signingKey, t), "hex"), given));
}
