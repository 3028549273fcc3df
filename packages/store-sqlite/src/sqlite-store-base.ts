import type { SqliteDatabase } from "./sqlite-database.js";

/** What every SQLite store shares: a hold on the one connection, released once on close. */
export abstract class SqliteStoreBase {
  private closed = false;

  constructor(protected readonly db: SqliteDatabase) {
    db.retain();
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.db.release();
  }

  /** Release what a store holds besides the connection. */
  protected onClose(): void {}
}
