import type { SqliteDatabase } from "./sqlite-database.js";

/** How a store holds the bundle's connection. */
export interface ConnectionHold {
  /**
   * Use the connection without holding a reference on it: it stays open while the bundle's other
   * stores do, and this store's `close()` leaves it alone. Default false.
   */
  borrow?: boolean;
}

/** What every SQLite store shares: a hold on the one connection, released once on close. */
export abstract class SqliteStoreBase {
  private closed = false;
  private readonly holds: boolean;

  constructor(
    protected readonly db: SqliteDatabase,
    hold: ConnectionHold = {},
  ) {
    this.holds = hold.borrow !== true;
    if (this.holds) db.retain();
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    if (this.holds) this.db.release();
  }

  /** Release what a store holds besides the connection. */
  protected onClose(): void {}
}
