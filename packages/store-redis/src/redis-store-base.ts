import type { RedisConnection } from "./redis-connection.js";

/** How a store holds the bundle's connection. */
export interface ConnectionHold {
  /**
   * Use the connection without holding a reference on it: it stays open while the bundle's other
   * stores do, and this store's `close()` leaves it alone. Default false.
   */
  borrow?: boolean;
}

/** What every Redis store shares: a hold on the bundle's connection, released once on close. */
export abstract class RedisStoreBase {
  /** True once `close()` was called: a closed store opens nothing new. */
  protected closed = false;
  private readonly holds: boolean;

  constructor(
    protected readonly conn: RedisConnection,
    hold: ConnectionHold = {},
  ) {
    this.holds = hold.borrow !== true;
    if (this.holds) conn.retain();
  }

  init(): Promise<void> {
    return this.conn.init();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
    if (this.holds) await this.conn.release();
  }

  /** Release what a store holds besides the connection. */
  protected async onClose(): Promise<void> {}
}

/** Reply parsing: script replies are untyped, and a wrong shape is a bug worth a clear message. */
export function replyArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
  return reply as unknown[];
}

export function replyString(reply: unknown, what: string): string {
  if (typeof reply !== "string") throw new Error(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
  return reply;
}

export function replyNumber(reply: unknown, what: string): number {
  const n = typeof reply === "string" ? Number(reply) : reply;
  if (typeof n !== "number" || Number.isNaN(n)) throw new Error(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
  return n;
}

export function replyStrings(reply: unknown, what: string): string[] {
  return replyArray(reply, what).map((v) => replyString(v, what));
}
