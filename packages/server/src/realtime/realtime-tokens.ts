import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";

/** What a subscription token grants: one channel, these topics. */
export interface RealtimeGrant {
  channel: string;
  topics: string[];
}

/** A token that does not grant a subscription, and why (shown to the client as is). */
export class RealtimeTokenError extends Error {
  override readonly name = "RealtimeTokenError";
}

/** Issuer of Weft's subscription tokens (Inngest's is `rt.inngest.com`; the SDK never reads it). */
const issuer = "weft-realtime";
/** How long a token may be used to connect; Inngest's default too. A connection outlives it. */
export const defaultRealtimeTokenTtlMs = 60_000;

/**
 * The HMAC key of subscription tokens. With a signing key it is derived from it, so every engine
 * process of a deployment (same key) accepts every other's tokens; without one (dev) it is random
 * per process, and a token works only on the process that issued it.
 */
export function realtimeTokenSecret(signingKey: string | undefined): Uint8Array {
  if (!signingKey) return randomBytes(32);
  return createHmac("sha256", signingKey).update("weft realtime subscription tokens v1").digest();
}

/**
 * Subscription tokens (protocol §16): HS256 JWTs scoped to one channel and a set of topics, with
 * an expiry. The claims follow Inngest's shape (`topics: [{ kind, channel, name }]`), which the
 * SDK treats as opaque.
 */
export class RealtimeTokens {
  constructor(
    private readonly secret: Uint8Array,
    private readonly ttlMs = defaultRealtimeTokenTtlMs,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(grant: RealtimeGrant): Promise<string> {
    const nowMs = this.now();
    return new SignJWT({ topics: grant.topics.map((name) => ({ kind: "run", channel: grant.channel, name })) })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(issuer)
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(Math.floor((nowMs + this.ttlMs) / 1000))
      .setJti(randomUUID())
      .sign(this.secret);
  }

  /** The grant of a valid token; `RealtimeTokenError` saying why otherwise. */
  async verify(token: string): Promise<RealtimeGrant> {
    if (token === "") throw new RealtimeTokenError("no realtime token: pass ?token=<jwt> from getSubscriptionToken()");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.secret, {
        issuer,
        algorithms: ["HS256"],
        requiredClaims: ["exp"],
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new RealtimeTokenError("the realtime token has expired: get a new one with getSubscriptionToken()");
      throw new RealtimeTokenError("the realtime token is not valid: it was not issued by this server or was altered");
    }
    return grantOf(payload);
  }
}

/** The grant in a verified token's claims: its topics must all name one channel. */
function grantOf(payload: Record<string, unknown>): RealtimeGrant {
  const topics = payload.topics;
  if (!Array.isArray(topics) || topics.length === 0) throw new RealtimeTokenError("the realtime token grants no topics");
  let channel: string | undefined;
  const names: string[] = [];
  for (const topic of topics as { channel?: unknown; name?: unknown }[]) {
    if (typeof topic?.channel !== "string" || typeof topic.name !== "string") throw new RealtimeTokenError("the realtime token's topics are malformed");
    if (channel !== undefined && topic.channel !== channel) throw new RealtimeTokenError("the realtime token names more than one channel");
    channel = topic.channel;
    names.push(topic.name);
  }
  return { channel: channel as string, topics: names };
}
