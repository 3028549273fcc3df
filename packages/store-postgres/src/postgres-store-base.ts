import type { PostgresDatabase } from "./postgres-database.js";

/** What every Postgres store shares: a hold on the bundle's pool, released once on close. */
export abstract class PostgresStoreBase {
  private closed = false;

  constructor(protected readonly db: PostgresDatabase) {
    db.retain();
  }

  /** Connects and migrates (once for the whole bundle); fails fast with `StoreUnavailableError`. */
  async init(): Promise<void> {
    await this.db.ready();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
    await this.db.release();
  }

  /** Release what a store holds besides the pool. */
  protected async onClose(): Promise<void> {}
}
