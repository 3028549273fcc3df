import { canonicalJson, valueAtPath } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "@weft/store";
import type { Pause, PauseStore } from "@weft/store";
import type { PostgresDatabase } from "./postgres-database.js";

/**
 * `PauseStore` on Postgres: the pause as JSON text, with its lookup keys as columns indexed by
 * (env, event_name, match_path, match_value) and by run. Saving is `INSERT ... ON CONFLICT DO
 * NOTHING`, so the first save of an id stands across processes.
 */
export class PostgresPauseStore implements PauseStore {
  private readonly pauses: string;

  constructor(private readonly db: PostgresDatabase) {
    this.pauses = db.table("pauses");
  }

  async savePause(pause: Pause): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.pauses} (id, run_id, env, event_name, match_path, match_value, created_at, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [pause.id, pause.runId, pause.env, pause.eventName, pause.matchKey?.path ?? null, pause.matchKey?.value ?? null, pause.createdAt, JSON.stringify(pause)],
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

  async deletePause(id: string): Promise<void> {
    await this.db.execute(`DELETE FROM ${this.pauses} WHERE id = $1`, [id]);
  }
}

function parsePause(row: { body: string }): Pause {
  return JSON.parse(row.body) as Pause;
}
