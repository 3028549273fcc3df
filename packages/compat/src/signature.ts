import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Check an `X-Inngest-Signature: t=<unix s>&s=<hex>` header against the raw body (protocol §10):
 * HMAC-SHA256 keyed with the signing key minus its `signkey-<env>-` prefix, over body + t.
 */
export function signatureIsValid(header: string | undefined, body: string, signingKey: string): boolean {
  if (!header) return false;
  const params = new URLSearchParams(header);
  const t = params.get("t");
  const s = params.get("s");
  if (!t || !s) return false;
  const key = signingKey.replace(/^signkey-\w+-/, "");
  const expected = createHmac("sha256", key).update(body).update(t).digest();
  const given = Buffer.from(s, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
