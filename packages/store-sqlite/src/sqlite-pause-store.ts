import { canonicalJson, InvalidInputError, valueAtPath } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "@weft/store";
import type { ClaimPauseOptions, Pause, PauseClaim, PauseStore } from "@weft/store";
import type { SqliteDatabase } from "./sqlite-database.js";

/**
 * Distinct match paths of one (env, event name), read as a skip scan over `pauses_by_event`: one
 * index seek per path, so a lookup never walks the pauses under each path.
 */
const distinctPathsSql = `
  WITH RECURSIVE paths (path) AS (
    SELECT MIN(match_path) FROM pauses WHERE env = @env AND event_name = @name AND match_path IS NOT NULL
    UNION ALL
    SELECT (SELECT MIN(match_path) FROM pauses WHERE env = @env AND event_name = @name AND match_path > paths.path)
    FROM paths WHERE paths.path IS NOT NULL
  )
  SELECT path FROM paths WHERE path IS NOT NULL`;

/**
 * `PauseStore` on SQLite: the pause as JSON, with its lookup keys as indexed columns. A claimed
 * pause's row carries its key in `claim_key`, unique per env (`pauses_by_claim`): the row is the
 * claim, so deleting the pause frees the key, and a claim is one transaction under the write lock.
 */
export class SqlitePauseStore implements PauseStore {
  constructor(private readonly db: SqliteDatabase) {}

  async savePause(pause: Pause): Promise<void> {
    this.db.run(
      `INSERT INTO pauses (id, run_id, env, event_name, match_path, match_value, created_at, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      pauseColumns(pause),
    );
  }

  async findPauses(env: string, event: WeftEvent): Promise<Pause[]> {
    return this.db.read(() => {
      const name = event.name;
      const rows = this.db.all<{ body: string }>("SELECT body FROM pauses WHERE env = ? AND event_name = ? AND match_path IS NULL", [env, name]);
      for (const { path } of this.db.all<{ path: string }>(distinctPathsSql, { env, name })) {
        const value = valueAtPath(event, path);
        if (value === undefined) continue;
        rows.push(
          ...this.db.all<{ body: string }>("SELECT body FROM pauses WHERE env = ? AND event_name = ? AND match_path = ? AND match_value = ?", [
            env,
            name,
            path,
            canonicalJson(value),
          ]),
        );
      }
      return rows.map(parsePause).sort(comparePauses);
    });
  }

  async getPause(id: string): Promise<Pause | undefined> {
    const row = this.db.get<{ body: string }>("SELECT body FROM pauses WHERE id = ?", [id]);
    return row === undefined ? undefined : parsePause(row);
  }

  async pausesOfRun(runId: string): Promise<Pause[]> {
    const rows = this.db.all<{ body: string }>("SELECT body FROM pauses WHERE run_id = ?", [runId]);
    return rows.map(parsePause).sort(comparePauses);
  }

  async deletePause(id: string): Promise<void> {
    this.db.run("DELETE FROM pauses WHERE id = ?", [id]);
  }

  async claimPause(pause: Pause, opts: ClaimPauseOptions): Promise<PauseClaim> {
    const key = pause.exclusiveKey;
    if (key === undefined) throw new InvalidInputError(`pause ${pause.id}: claimPause needs an exclusiveKey`);
    return this.db.transaction((): PauseClaim => {
      const holder = this.holder(pause.env, key);
      if (holder?.id === pause.id) return { status: "claimed" };
      if (holder !== undefined && opts.onConflict === "fail" && opts.evict !== holder.id) return { status: "held", holder };
      // The holder goes, and so does a row of this id that does not hold the key (a plain save).
      if (holder !== undefined) this.db.run("DELETE FROM pauses WHERE id = ?", [holder.id]);
      this.db.run("DELETE FROM pauses WHERE id = ?", [pause.id]);
      this.db.run(
        `INSERT INTO pauses (id, run_id, env, event_name, match_path, match_value, created_at, body, claim_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...pauseColumns(pause), key],
      );
      return holder === undefined ? { status: "claimed" } : { status: "claimed", replaced: holder };
    });
  }

  async claimPauseHolder(env: string, key: string): Promise<Pause | undefined> {
    return this.holder(env, key);
  }

  /** Exact: SQLite counts the rows of the smallest index (`pauses_by_run` or the like), not the bodies. */
  async countPauses(): Promise<number> {
    return this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM pauses")?.n ?? 0;
  }

  private holder(env: string, key: string): Pause | undefined {
    const row = this.db.get<{ body: string }>("SELECT body FROM pauses WHERE env = ? AND claim_key = ?", [env, key]);
    return row === undefined ? undefined : parsePause(row);
  }
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
