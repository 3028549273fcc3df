import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { StoreUnavailableError } from "@weft/core";
import Database from "better-sqlite3";
import { migrations } from "./migrations.js";
import type { Migration } from "./migrations.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

export type SqlValue = string | number | bigint | Buffer | null;
/** Positional (`?`) or named (`@name`) parameters. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/**
 * One better-sqlite3 connection, shared by the SQLite stores of a bundle: WAL, `synchronous =
 * NORMAL`, a 5 s busy timeout, versioned migrations, and a prepared-statement cache keyed by SQL
 * text. Reference-counted, since bundles share it (`shared`): each bundle `retain()`s it once and
 * `release()`s it on close; the last release closes the connection.
 *
 * Every call is synchronous; the stores never hold a transaction across an `await`.
 *
 * **Group commit.** Writes made during one turn of the event loop share one transaction, committed
 * at the end of the turn (`setImmediate`): under load, one commit (and one WAL append) carries the
 * writes of every job in flight instead of one each. Nothing is acknowledged early: every store
 * call of the bundle resolves only once what it wrote is committed (`settle`, applied by
 * `createSqliteStores`), and a failed commit fails every call that wrote into it. A connection
 * with group commit is shared by every bundle of the process on its file (`shared`): two
 * connections in one thread would deadlock, one waiting synchronously for a lock the other only
 * releases at the end of the turn. Other processes on the file just wait their turn. That
 * connection leaves WAL checkpoints to a worker thread (`WalCheckpointer`), off the event loop.
 */
export class SqliteDatabase {
  private readonly statements = new Map<string, Database.Statement>();
  private refs = 0;
  /** The open group transaction, with the calls waiting for its commit. */
  private batch: { waiters: { resolve(): void; reject(e: unknown): void }[] } | undefined;

  /** Group-commit connections of this process, by file. */
  private static readonly sharedByPath = new Map<string, SqliteDatabase>();
  private groupCommit = false;
  private sharedAs: string | undefined;
  private checkpointer: WalCheckpointer | undefined;

  private constructor(private readonly db: Database.Database) {}

  /**
   * The process's group-commit connection to a file, opened on first use (`:memory:` is never
   * shared: each open is its own database).
   */
  static shared(path: string): SqliteDatabase {
    const key = path === ":memory:" || path === "" ? undefined : resolve(path);
    const existing = key === undefined ? undefined : SqliteDatabase.sharedByPath.get(key);
    if (existing?.isOpen) return existing;
    const opened = SqliteDatabase.open(path);
    opened.groupCommit = true;
    if (key !== undefined) {
      opened.sharedAs = key;
      SqliteDatabase.sharedByPath.set(key, opened);
      opened.db.pragma(`wal_autocheckpoint = ${WalCheckpointer.safetyNetPages}`);
      opened.checkpointer = WalCheckpointer.start(key);
    }
    return opened;
  }

  /**
   * Open (or create, with its directory) a database file, or `:memory:`, and bring its schema up to
   * date.
   */
  static open(path: string, list: readonly Migration[] = migrations): SqliteDatabase {
    let db: Database.Database;
    try {
      if (path !== ":memory:" && path !== "" && !path.startsWith("file:")) mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma("busy_timeout = 5000");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    } catch (e) {
      throw new StoreUnavailableError(`cannot open sqlite database ${path}`, { cause: e });
    }
    const opened = new SqliteDatabase(db);
    try {
      opened.migrate(list);
      opened.commit(); // before anyone else opens the file, not at the end of the turn
    } catch (e) {
      db.close();
      throw e;
    }
    return opened;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  retain(): this {
    this.refs += 1;
    return this;
  }

  /** Drop one reference; the last one closes the connection. */
  release(): void {
    this.refs -= 1;
    if (this.refs <= 0 && this.db.open) {
      this.commit();
      this.checkpointer?.stop();
      if (this.sharedAs !== undefined) SqliteDatabase.sharedByPath.delete(this.sharedAs);
      this.statements.clear();
      this.db.close();
    }
  }

  get<T>(sql: string, params: SqlParams = []): T | undefined {
    return this.guard(() => this.statement(sql).get(params) as T | undefined);
  }

  all<T>(sql: string, params: SqlParams = []): T[] {
    return this.guard(() => this.statement(sql).all(params) as T[]);
  }

  run(sql: string, params: SqlParams = []): { changes: number } {
    this.begin();
    return this.guard(() => this.statement(sql).run(params));
  }

  /** Run `fn` atomically (a savepoint within the group transaction): all of it or none. */
  transaction<T>(fn: () => T): T {
    this.begin();
    return this.guard(() =>
      this.db.inTransaction
        ? this.bracketed(fn, "SAVEPOINT weft", "RELEASE weft", ["ROLLBACK TO weft", "RELEASE weft"])
        : this.bracketed(fn, "BEGIN IMMEDIATE", "COMMIT", ["ROLLBACK"]),
    );
  }

  /**
   * `fn` between cached statements: `open`, then `close` when it returns, or `undo` when it throws
   * (and the transaction is still open). What better-sqlite3's `transaction()` does, without
   * building its wrapper functions at every call (13% of the engine's CPU in the wait profile).
   */
  private bracketed<T>(fn: () => T, open: string, close: string, undo: readonly string[]): T {
    this.statement(open).run();
    try {
      const result = fn();
      this.statement(close).run();
      return result;
    } catch (e) {
      if (this.db.inTransaction) for (const sql of undo) this.statement(sql).run();
      throw e;
    }
  }

  /** Resolves once everything written so far is committed (at once when nothing is pending). */
  settle(): Promise<void> {
    const batch = this.batch;
    if (!batch) return Promise.resolve();
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  /** Open the group transaction, taking the write lock up front; it commits at the end of the turn. */
  private begin(): void {
    if (this.batch || !this.groupCommit || !this.db.open) return;
    this.guard(() => this.db.exec("BEGIN IMMEDIATE"));
    this.batch = { waiters: [] };
    setImmediate(() => this.commit());
  }

  private commit(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    try {
      this.guard(() => this.db.exec("COMMIT"));
    } catch (e) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      for (const w of batch.waiters) w.reject(e);
      return;
    }
    for (const w of batch.waiters) w.resolve();
  }

  /** Run `fn` in one deferred transaction: a consistent snapshot for multi-statement reads. */
  read<T>(fn: () => T): T {
    // Within the open (write-locked) transaction every read already sees one state.
    return this.guard(() => (this.db.inTransaction ? fn() : this.bracketed(fn, "BEGIN", "COMMIT", ["ROLLBACK"])));
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private migrate(list: readonly Migration[]): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    this.transaction(() => {
      const applied = new Set(this.all<{ version: number }>("SELECT version FROM schema_migrations").map((r) => r.version));
      const known = new Set(list.map((m) => m.version));
      const unknown = [...applied].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new StoreUnavailableError(`sqlite schema has migrations ${unknown.join(", ")} this build does not know`);
      }
      for (const m of [...list].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        this.db.exec(m.sql);
        this.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, Date.now()]);
      }
    });
  }

  /** A lock held past the busy timeout becomes `StoreUnavailableError`, which callers may retry. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))) {
        throw new StoreUnavailableError("sqlite database is busy", { cause: e });
      }
      throw e;
    }
  }
}
