import { createHmac, randomBytes } from "node:crypto";
import { secretEquals } from "../auth.js";

/** How long a start answer's session token may be used to open its WebSocket. */
const tokenLifetimeMs = 10 * 60_000;

/**
 * The session token a start answer gives a Connect worker and its WORKER_CONNECT must present:
 * `<expiry ms>.<HMAC-SHA256(secret, connection id + expiry)>`. Stateless, so any process with the
 * same secret (the signing key) verifies it; without a signing key (dev) the secret is random per
 * process, which is enough since a worker opens its socket to the process that answered its start.
 * A browser page can open a WebSocket anywhere, but cannot read a start answer: no token, no worker.
 */
export class SessionTokens {
  private readonly secret: string;

  constructor(signingKey: string | undefined) {
    this.secret = signingKey ?? randomBytes(32).toString("hex");
  }

  issue(connectionId: string, now: number): string {
    const expiresAt = now + tokenLifetimeMs;
    return `${expiresAt}.${this.mac(connectionId, expiresAt)}`;
  }

  /** Whether `token` was issued here for `connectionId` and has not expired. */
  verify(token: string, connectionId: string, now: number): boolean {
    const [expiry, mac] = token.split(".");
    const expiresAt = Number(expiry);
    if (!Number.isSafeInteger(expiresAt) || mac === undefined || expiresAt < now) return false;
    return secretEquals(mac, this.mac(connectionId, expiresAt));
  }

  private mac(connectionId: string, expiresAt: number): string {
    return createHmac("sha256", this.secret).update(`weft-connect:${connectionId}:${expiresAt}`).digest("hex");
  }
}
