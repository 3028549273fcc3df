import type { PostgresDatabase } from "./postgres-database.js";

/** How a store holds the bundle's pool. */
export interface PoolHold {
  /**
   * Use the pool without holding a reference on it: it stays open while the bundle's other stores
   * do, and this store's `close()` leaves it alone. Default false.
   */
  borrow?: boolean;
}

/** What every Postgres store shares: a hold on the bundle's pool, released once on close. */
export abstract class PostgresStoreBase {
  private closed = false;
  private readonly holds: boolean;

  constructor(
    protected readonly db: PostgresDatabase,
    hold: PoolHold = {},
  ) {
    this.holds = hold.borrow !== true;
    if (this.holds) db.retain();
  }

  /** Connects and migrates (once for the whole bundle); fails fast with `StoreUnavailableError`. */
  async init(): Promise<void> {
    await this.db.ready();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
    if (this.holds) await this.db.release();
  }

  /** Release what a store holds besides the pool. */
  protected async onClose(): Promise<void> {}
}
