import { randomFillSync } from "node:crypto";
import type { Lease, QueueItem } from "./queue.js";

/**
 * Lease tokens, spelled alike by every queue backend: `<leaseCount>-<expiresAt>-<nonce>:<itemId>`.
 * The lease count in it is the lease's `deliveries`; nobody reads it back from the token.
 * The store keeps the token it handed out and compares the whole string, so a token is stale as soon
 * as its item is leased again, requeued, dequeued or dropped. The expiry in it is informational
 * (an extended lease keeps its token); the nonce keeps tokens of a re-enqueued id apart.
 *
 * @internal
 */
export function encodeLeaseToken(itemId: string, leaseCount: number, expiresAt: number): string {
  return `${leaseCount}-${expiresAt}-${nonce()}:${itemId}`;
}

/** Random bytes drawn a page at a time, not one `randomBytes` call (a native job) per lease. */
const noncePool = Buffer.alloc(4096);
let noncePoolAt = noncePool.length;

/** Four random bytes as hex. */
function nonce(): string {
  if (noncePoolAt + 4 > noncePool.length) {
    randomFillSync(noncePool);
    noncePoolAt = 0;
  }
  const hex = noncePool.toString("hex", noncePoolAt, noncePoolAt + 4);
  noncePoolAt += 4;
  return hex;
}

/** The item id inside a lease token, or undefined when the token is malformed. @internal */
export function leaseTokenItemId(token: string): string | undefined {
  const colon = token.indexOf(":");
  return colon > 0 ? token.slice(colon + 1) : undefined;
}

/**
 * The lease of an item enqueued already leased (`Queue.enqueueLeased`): its first, live until
 * `now + leaseMs`. The backends store its token with the item. @internal
 */
export function firstLease(item: QueueItem, opts: { now: number; leaseMs: number }): Lease {
  const expiresAt = opts.now + opts.leaseMs;
  return { item: structuredClone(item), token: encodeLeaseToken(item.id, 1, expiresAt), deliveries: 1, expiresAt };
}
