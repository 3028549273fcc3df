import { InvalidInputError, StoreUnavailableError, isWeftError } from "@weft/core";
import { createHash } from "node:crypto";
import pg from "pg";
import { migrations } from "./migrations.js";
import type { Migration } from "./migrations.js";
import { describeTarget, isConnectionFailure, isRetryableConflict, reasonOf, redactPassword, translateError } from "./postgres-errors.js";
import { checkSchemaName, clientConfig, defaultPoolSize, defaultSchema, poolConfig } from "./postgres-settings.js";
import { migrateSchema } from "./schema-migrator.js";
import type { MigrateResult } from "./schema-migrator.js";

export type SqlValue = string | number | boolean | null | readonly (string | null)[] | readonly (number | null)[];
export type SqlParams = readonly SqlValue[];

/** Runs statements: the database itself (each statement on any pooled connection), or one transaction. */
export interface SqlExecutor {
  /** The rows of one statement. */
  query<T extends object>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The number of rows one statement changed. */
  execute(sql: string, params?: SqlParams): Promise<number>;
}

export interface PostgresDatabaseOptions {
  /** Where every table lives; created if missing. Default `weft`. */
  schema?: string;
  /** Most connections the pool opens. Default 10. The LISTEN connection is extra. */
  poolSize?: number;
  /** @internal tests pass their own list. */
  migrations?: readonly Migration[];
}

/** How often a transaction that lost a deadlock or serialization race is run again. */
const conflictRetries = 3;

/**
 * One bounded `pg.Pool`, shared by the Postgres stores of one bundle, and the schema they live in.
 * Its owner (the bundle of `createPostgresStores`, or `migrate`) calls `ready()`, which connects
 * and migrates once, and `close()`, which ends the pool.
 *
 * Every failure to reach or use the server surfaces as `StoreUnavailableError` naming
 * `host:port/database`, never the password; other errors (a rejected statement) pass through.
 */
export class PostgresDatabase implements SqlExecutor {
  readonly schema: string;
  /** `host:port/database`, for messages. */
  readonly target: string;
  /** The NOTIFY channel of this schema's queue. */
  readonly channel: string;
  private readonly pool: pg.Pool;
  private readonly migrationList: readonly Migration[];
  private ended = false;
  private readying: Promise<void> | undefined;
  /** Off once the server has lost a statement this pool prepared (see `statement`). */
  private namedStatements = true;

  constructor(
    private readonly url: string,
    opts: PostgresDatabaseOptions = {},
  ) {
    this.schema = checkSchemaName(opts.schema ?? defaultSchema);
    this.target = describeTarget(url);
    this.channel = `${this.schema}.queue`;
    this.migrationList = opts.migrations ?? migrations;
    this.pool = new pg.Pool(poolConfig(url, opts.poolSize ?? defaultPoolSize));
    // An idle pooled connection that dies (server restart, network) emits here; without a listener
    // Node would crash the process. The pool drops that client, and the next query reconnects or
    // reports StoreUnavailableError.
    this.pool.on("error", () => {});
    // A checked-out connection that dies between queries (terminated by an administrator, say)
    // emits on the client itself; its pending or next query fails and is reported, so the event
    // needs a listener only to keep the process alive.
    this.pool.on("connect", (client) => client.on("error", () => {}));
  }

  /** A table (or sequence) of this schema, quoted: every statement names its tables this way. */
  table(name: string): string {
    return `"${this.schema}".${name}`;
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /** End the pool (after its checked-out clients come back); a second call does nothing. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  /** Connect and migrate, once per database object; a failed attempt may be retried. */
  ready(): Promise<void> {
    this.readying ??= this.migrate().then(
      () => undefined,
      (e: unknown) => {
        this.readying = undefined;
        throw e;
      },
    );
    return this.readying;
  }

  /** Connect and bring the schema up to date (see `migrateSchema` for the locking). */
  async migrate(): Promise<MigrateResult> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw new StoreUnavailableError(`cannot reach postgres at ${this.target}: ${redactPassword(this.url, reasonOf(e))}`, {
        cause: e,
      });
    }
    let broken: Error | undefined;
    try {
      return await migrateSchema(client, this.schema, this.target, this.migrationList);
    } catch (e) {
      if (isConnectionFailure(e)) broken = e instanceof Error ? e : new Error(String(e));
      throw this.translate(e);
    } finally {
      client.release(broken);
    }
  }

  /** A client outside the pool, configured like the pool's, for LISTEN. The caller connects and ends it. @internal */
  dedicatedClient(): pg.Client {
    return new pg.Client(clientConfig(this.url));
  }

  async query<T extends object>(sql: string, params: SqlParams = []): Promise<T[]> {
    return (await this.run<T>(sql, params)).rows;
  }

  async execute(sql: string, params: SqlParams = []): Promise<number> {
    return (await this.run(sql, params)).rowCount ?? 0;
  }

  /**
   * Run `fn` in one READ COMMITTED transaction on one connection. Its statements take row locks
   * (`FOR UPDATE`, `UPDATE`, `DELETE`) that are held to the commit. A deadlock or serialization
   * failure rolls everything back and runs `fn` again (it must not have effects outside the
   * database); an error thrown by `fn` rolls back and is rethrown as is.
   */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(this.executorOf(client));
        await client.query("COMMIT");
        return result;
      } catch (e) {
        if (isConnectionFailure(e)) broken = e instanceof Error ? e : new Error(String(e));
        else {
          await client.query("ROLLBACK").catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          });
        }
        if (!((isRetryableConflict(e) || this.lostStatement(e)) && attempt < conflictRetries)) throw this.translate(e);
      } finally {
        // A broken connection is destroyed rather than returned to the pool.
        client.release(broken);
      }
    }
  }

  /** One statement on any pooled connection: autocommit, so a deadlock victim can simply run again. */
  private async run<T extends object>(sql: string, params: SqlParams): Promise<pg.QueryResult<T>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.query<T>(this.statement(sql, params));
      } catch (e) {
        if (!((isRetryableConflict(e) || this.lostStatement(e)) && attempt < conflictRetries)) throw this.translate(e);
      }
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw this.translate(e);
    }
  }

  /**
   * A statement with parameters runs as a named prepared statement: each connection parses and
   * plans it once and then only binds and executes it, where an unnamed one is parsed and planned
   * at every call (Postgres's backends used more CPU than the engine in the throughput workload;
   * named, throughput rose by a third). The stores' SQL
   * texts are a fixed, small set (placeholders, never inlined values), so each connection holds a
   * few dozen. Statements without parameters keep the simple protocol, which allows several in one
   * text.
   */
  private statement(sql: string, params: SqlParams): pg.QueryConfig {
    if (params.length === 0) return { text: sql };
    const values = [...params];
    return this.namedStatements ? { name: statementName(sql), text: sql, values } : { text: sql, values };
  }

  /**
   * Whether `e` says the server lost a statement this connection prepared: behind a pooler that
   * hands each transaction to any server connection (PgBouncer in transaction mode before 1.21),
   * or after a `DEALLOCATE`. Statements go unnamed from then on, and the caller runs again.
   */
  private lostStatement(e: unknown): boolean {
    if ((e as { code?: unknown } | null)?.code !== "26000") return false;
    this.namedStatements = false;
    return true;
  }

  private executorOf(client: pg.PoolClient): SqlExecutor {
    return {
      query: async <T extends object>(sql: string, params: SqlParams = []): Promise<T[]> => (await client.query<T>(this.statement(sql, params))).rows,
      execute: async (sql: string, params: SqlParams = []): Promise<number> => (await client.query(this.statement(sql, params))).rowCount ?? 0,
    };
  }

  /** `e` as this database reports it: connection failures become `StoreUnavailableError`. @internal */
  translate(e: unknown): unknown {
    if ((e as { code?: unknown } | null)?.code === "22021") {
      // Postgres text cannot hold U+0000, which the memory and SQLite stores accept.
      return new InvalidInputError(`postgres cannot store text containing a NUL (\\u0000) character: ${reasonOf(e)}`);
    }
    if (this.ended && !isWeftError(e, StoreUnavailableError) && isConnectionFailure(e)) {
      return new StoreUnavailableError(`postgres store for ${this.target} is closed`, { cause: e });
    }
    return translateError(e, this.url, this.target);
  }
}

/** Statement names by SQL text: a hash, so one text always has one name on every connection. */
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `weft_${createHash("sha1").update(sql).digest("base64url").slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}
