import { canonicalJson, InvalidInputError, valueAtPath } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "@weft/store";
import type { ClaimPauseOptions, Pause, PauseClaim, PauseStore } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";
import { WriteCoalescer } from "./write-coalescer.js";

/**
 * `PauseStore` on Postgres: the pause as JSON text, with its lookup keys as columns indexed by
 * (env, event_name, match_path, match_value) and by run. Saving is `INSERT ... ON CONFLICT DO
 * NOTHING`, so the first save of an id stands across processes.
 *
 * A claimed pause's row carries its key in `claim_key`, unique per env (`pauses_by_claim`): the row
 * is the claim, so deleting the pause frees the key. Every claim writes under an advisory lock on
 * (schema, env, key), so claims of one key run one after another, each seeing the last one's
 * commit: a free key is one `INSERT`, a held one a transaction that decides and writes. The unique
 * index makes a second holder impossible even so.
 */
export class PostgresPauseStore implements PauseStore {
  private readonly pauses: string;

  private readonly deletions = WriteCoalescer.ofGroups<string>(async (ids) => {
    await this.db.execute(`DELETE FROM ${this.pauses} WHERE id = ANY($1::text[])`, [ids]);
  });

  constructor(private readonly db: PostgresDatabase) {
    this.pauses = db.table("pauses");
  }

  async savePause(pause: Pause): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.pauses} (id, run_id, env, event_name, match_path, match_value, created_at, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      pauseColumns(pause),
    );
  }

  /**
   * Two indexed statements: the distinct match paths of (env, event name), read as a skip scan
   * over `pauses_by_event` (one index probe per path, never walking the pauses under a path); then
   * the unkeyed pauses plus one probe per (path, the event's value there).
   */
  async findPauses(env: string, event: WeftEvent): Promise<Pause[]> {
    const paths = await this.db.query<{ path: string }>(
      `WITH RECURSIVE paths (path) AS (
         (SELECT match_path FROM ${this.pauses}
          WHERE env = $1 AND event_name = $2 AND match_path IS NOT NULL ORDER BY match_path LIMIT 1)
         UNION ALL
         SELECT (SELECT p.match_path FROM ${this.pauses} p
                 WHERE p.env = $1 AND p.event_name = $2 AND p.match_path > paths.path ORDER BY p.match_path LIMIT 1)
         FROM paths WHERE paths.path IS NOT NULL
       )
       SELECT path FROM paths WHERE path IS NOT NULL`,
      [env, event.name],
    );
    // One branch per match path, each an equality on all four columns of `pauses_by_event`: a
    // seek to the pauses with this event's value. (Joined against unnest()'d keys instead, the
    // planner, with no statistics yet for a new table, walked every pause of the event name.)
    const params: string[] = [env, event.name];
    const branches = [`SELECT body FROM ${this.pauses} WHERE env = $1 AND event_name = $2 AND match_path IS NULL`];
    for (const { path } of paths) {
      const value = valueAtPath(event, path);
      if (value === undefined) continue;
      params.push(path, canonicalJson(value));
      branches.push(
        `SELECT body FROM ${this.pauses} WHERE env = $1 AND event_name = $2 AND match_path = $${params.length - 1} AND match_value = $${params.length}`,
      );
    }
    const rows = await this.db.query<{ body: string }>(branches.join(" UNION ALL "), params);
    return rows.map(parsePause).sort(comparePauses);
  }

  async getPause(id: string): Promise<Pause | undefined> {
    const [row] = await this.db.query<{ body: string }>(`SELECT body FROM ${this.pauses} WHERE id = $1`, [id]);
    return row === undefined ? undefined : parsePause(row);
  }

  async pausesOfRun(runId: string): Promise<Pause[]> {
    const rows = await this.db.query<{ body: string }>(`SELECT body FROM ${this.pauses} WHERE run_id = $1`, [runId]);
    return rows.map(parsePause).sort(comparePauses);
  }

  /** Deletions made while one is being written go together in the next statement (`WriteCoalescer`). */
  deletePause(id: string): Promise<void> {
    return this.deletions.call(id);
  }

  async claimPause(pause: Pause, opts: ClaimPauseOptions): Promise<PauseClaim> {
    const key = pause.exclusiveKey;
    if (key === undefined) throw new InvalidInputError(`pause ${pause.id}: claimPause needs an exclusiveKey`);
    const lock = JSON.stringify(["weft.pause-claim", this.db.schema, pause.env, key]);
    // A free key (the usual case): one statement, under the lock, that inserts unless any unique
    // index (the id, or the key) already has a row. Its conflict check sees every committed row.
    const inserted = await this.db.execute(
      `INSERT INTO ${this.pauses} (id, run_id, env, event_name, match_path, match_value, created_at, body, claim_key)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM (SELECT pg_advisory_xact_lock(hashtextextended($10, 0))) AS locked
       ON CONFLICT DO NOTHING`,
      [...pauseColumns(pause), key, lock],
    );
    if (inserted === 1) return { status: "claimed" };
    return this.db.transaction(async (tx): Promise<PauseClaim> => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [lock]);
      const [row] = await tx.query<{ body: string }>(claimHolderSql(this.pauses), [pause.env, key]);
      const holder = row === undefined ? undefined : parsePause(row);
      if (holder?.id === pause.id) return { status: "claimed" };
      if (holder !== undefined && opts.onConflict === "fail" && opts.evict !== holder.id) return { status: "held", holder };
      // The holder goes, and so does a row of this id that does not hold the key (a plain save).
      await tx.execute(`DELETE FROM ${this.pauses} WHERE id = ANY($1::text[])`, [holder === undefined ? [pause.id] : [holder.id, pause.id]]);
      await tx.execute(
        `INSERT INTO ${this.pauses} (id, run_id, env, event_name, match_path, match_value, created_at, body, claim_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [...pauseColumns(pause), key],
      );
      return holder === undefined ? { status: "claimed" } : { status: "claimed", replaced: holder };
    });
  }

  async claimPauseHolder(env: string, key: string): Promise<Pause | undefined> {
    const [row] = await this.db.query<{ body: string }>(claimHolderSql(this.pauses), [env, key]);
    return row === undefined ? undefined : parsePause(row);
  }

  /**
   * Exact while the table is small, the planner's estimate once it is large: `count(*)` walks every
   * row (an index-only scan at best), which at millions of pauses costs a scrape far too much, while
   * `pg_class.reltuples` is one catalog read, kept within autovacuum's analyze threshold (about 10%
   * of the table) of the truth. The estimate decides which: below `exactCountBelow` rows (or never
   * analyzed), count.
   */
  async countPauses(): Promise<number> {
    const [est] = await this.db.query<{ n: string | null }>("SELECT reltuples::bigint::text AS n FROM pg_class WHERE oid = $1::regclass", [this.pauses]);
    const estimate = Number(est?.n ?? -1);
    if (estimate >= exactCountBelow) return estimate;
    const [row] = await this.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${this.pauses}`);
    return Number(row?.n ?? 0);
  }
}

/** Up to this many pauses (by the planner's estimate) `countPauses` counts them; beyond, it answers the estimate. */
const exactCountBelow = 100_000;

/** The holder of a key: a seek on `pauses_by_claim`. @internal exported for the plan test. */
export function claimHolderSql(table: string): string {
  return `SELECT body FROM ${table} WHERE env = $1 AND claim_key = $2`;
}

/** The columns every pause row has, in `INSERT` order (`claim_key` is written by claims only). */
function pauseColumns(pause: Pause): (string | number | null)[] {
  return [
    pause.id,
    pause.runId,
    pause.env,
    pause.eventName,
    pause.matchKey?.path ?? null,
    pause.matchKey?.value ?? null,
    pause.createdAt,
    JSON.stringify(pause),
  ];
}

function parsePause(row: { body: string }): Pause {
  return JSON.parse(row.body) as Pause;
}
