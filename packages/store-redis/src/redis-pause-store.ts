import { canonicalJson, InvalidInputError, valueAtPath } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "@weft/store";
import type { ClaimPauseOptions, Pause, PauseClaim, PauseStore } from "@weft/store";
import { KeyLayout } from "./keys.js";
import * as lua from "./lua/pause-scripts.js";
import type { RedisConnection } from "./redis-connection.js";
import { replyArray, replyString, replyStrings } from "./redis-replies.js";

/**
 * `PauseStore` on Redis. A pause lives under three tags, because each lookup knows a different one:
 *
 * - its JSON at `pause:{<id>}` (`getPause` and `deletePause` know only the id): the truth;
 * - its id in the run's set `run:{<runId>}:pauses` (`pausesOfRun`), beside the run's own keys;
 * - its id in the (env, event name) index `pauses:{<env>:<event name>}:…` (`findPauses`), either in
 *   `any` or in the set of its match key (path, value).
 *
 * No script can span three tags, so the steps are ordered to keep `by-event ⊆ by-run ⊆ saved`
 * through any crash: save writes the JSON, then the run set, then the event index; delete undoes
 * them in reverse, dropping the JSON last. A crash half way leaves a pause that is only partly
 * findable, which the repeated save or delete completes (both are idempotent and work from the
 * stored JSON), and never an index entry without its pause. Readers also load each pause's JSON and
 * skip ids whose pause is gone or no longer matches, so even a save racing a delete of the same id
 * cannot make a deleted pause come back from a lookup.
 *
 * An exclusive key (`claimPause`) has a fourth tag, `claim:{<env>:<key>}`: a hash naming the holder
 * and keeping a copy of its JSON, so the decision is one script on one slot and `claimPauseHolder`
 * one read. The claim comes first, then the pause is saved as above; deleting frees the claim first
 * (only if this pause still holds it), then deletes as above. A claimant replaced while it was
 * still saving its pause finds that out when it is done, and deletes what it saved.
 */
export class RedisPauseStore implements PauseStore {
  private readonly keys: KeyLayout;

  constructor(
    private readonly conn: RedisConnection,
    opts: { keyPrefix?: string } = {},
  ) {
    this.keys = new KeyLayout(opts.keyPrefix);
  }

  async savePause(pause: Pause): Promise<void> {
    const json = JSON.stringify(pause);
    const stored = replyString(await this.conn.script(lua.savePauseBody, [this.keys.pause(pause.id)], [json]), "savePause");
    // Index what stands (the first save), not what was passed, so a repeat completes the first.
    await this.index(stored === json ? pause : (JSON.parse(stored) as Pause));
  }

  private async index(pause: Pause): Promise<void> {
    await this.conn.command("SADD", [this.keys.run(pause.runId).pauses, pause.id]);
    // Named before it is indexed, so `countPauses` never misses an index that holds a pause.
    await this.conn.command("SADD", [this.keys.pauseIndexes(), JSON.stringify([pause.env, pause.eventName])]);
    const { keys, args } = this.indexKeys(pause);
    await this.conn.script(lua.indexPause, keys, args);
  }

  async claimPause(pause: Pause, opts: ClaimPauseOptions): Promise<PauseClaim> {
    if (pause.exclusiveKey === undefined) throw new InvalidInputError(`pause ${pause.id}: claimPause needs an exclusiveKey`);
    const claimKey = this.keys.pauseClaim(pause.env, pause.exclusiveKey);
    const reply = await this.conn.script(lua.claimPauseKey, [claimKey], [pause.id, JSON.stringify(pause), opts.onConflict, opts.evict ?? ""]);
    const [status, json] = replyStrings(reply, "claimPause");
    const other = JSON.parse(json as string) as Pause;
    if (status === "held") return { status: "held", holder: other };
    // Claimed: the pause as it stands (a repeated claim keeps the first), saved over a plain save.
    const holding = status === "claimed" ? other : pause;
    if (status === "replaced") await this.deletePause(other.id);
    await this.conn.command("SET", [this.keys.pause(holding.id), JSON.stringify(holding)]);
    await this.index(holding);
    // Replaced meanwhile: the replacer may have found nothing to delete yet, so delete it here.
    if ((await this.conn.command("HGET", [claimKey, "id"])) !== holding.id) await this.deletePause(holding.id);
    return status === "replaced" ? { status: "claimed", replaced: other } : { status: "claimed" };
  }

  async claimPauseHolder(env: string, key: string): Promise<Pause | undefined> {
    const json = await this.conn.command("HGET", [this.keys.pauseClaim(env, key), "pause"]);
    return typeof json === "string" ? (JSON.parse(json) as Pause) : undefined;
  }

  async findPauses(env: string, event: WeftEvent): Promise<Pause[]> {
    const index = this.keys.pauseIndex(env, event.name);
    const [anyReply, pathsReply] = replyArray(await this.conn.script(lua.readPauseIndex, [index.any, index.paths]), "findPauses");
    const ids = replyStrings(anyReply, "findPauses");
    const matchKeys: string[] = [];
    for (const path of replyStrings(pathsReply, "findPauses")) {
      const value = valueAtPath(event, path);
      if (value !== undefined) matchKeys.push(index.match(path, canonicalJson(value)));
    }
    if (matchKeys.length > 0) ids.push(...replyStrings(await this.conn.command("SUNION", matchKeys), "findPauses"));
    const pauses = await this.loadPauses(ids);
    return pauses.filter((p) => p.env === env && p.eventName === event.name && matches(p, event)).sort(comparePauses);
  }

  async getPause(id: string): Promise<Pause | undefined> {
    const json = await this.conn.command("GET", [this.keys.pause(id)]);
    return typeof json === "string" ? (JSON.parse(json) as Pause) : undefined;
  }

  async pausesOfRun(runId: string): Promise<Pause[]> {
    const ids = replyStrings(await this.conn.command("SMEMBERS", [this.keys.run(runId).pauses]), "pausesOfRun");
    const pauses = await this.loadPauses(ids);
    return pauses.filter((p) => p.runId === runId).sort(comparePauses);
  }

  async deletePause(id: string): Promise<void> {
    const pause = await this.getPause(id);
    if (pause === undefined) return;
    if (pause.exclusiveKey !== undefined) await this.conn.script(lua.releasePauseKey, [this.keys.pauseClaim(pause.env, pause.exclusiveKey)], [id]);
    const { keys, args } = this.indexKeys(pause);
    await this.conn.script(lua.unindexPause, keys, args);
    await this.conn.command("SREM", [this.keys.run(pause.runId).pauses, id]);
    await this.conn.command("DEL", [this.keys.pause(id)]);
  }

  /**
   * The sum over every (env, event name) index of its size (`countPauseIndex`: a set's cardinality
   * and a small hash of per-path counts), one script per index, each on its own slot, so it is
   * cluster-safe and costs one call per distinct event name waited for, never a read of the pauses.
   * It counts indexed pauses: a save cut short before its index write (a crash; the repeated save
   * completes it) is not counted, which is also what events can find. Indexes made before
   * `pauseIndexes` existed are counted once a new pause of their (env, event name) is saved.
   */
  async countPauses(): Promise<number> {
    const names = replyStrings(await this.conn.command("SMEMBERS", [this.keys.pauseIndexes()]), "countPauses");
    const counts = await Promise.all(
      names.map(async (member) => {
        const [env, eventName] = JSON.parse(member) as [string, string];
        const index = this.keys.pauseIndex(env, eventName);
        return Number(await this.conn.script(lua.countPauseIndex, [index.any, index.paths]));
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** The JSON of each id: one GET each (each is under its own tag), all sent at once. */
  private async loadPauses(ids: readonly string[]): Promise<Pause[]> {
    const unique = [...new Set(ids)];
    const bodies = await Promise.all(unique.map((id) => this.conn.command("GET", [this.keys.pause(id)])));
    return bodies.flatMap((json) => (typeof json === "string" ? [JSON.parse(json) as Pause] : []));
  }

  /** The index keys and args of `indexPause` / `unindexPause` for one pause. */
  private indexKeys(pause: Pause): { keys: string[]; args: string[] } {
    const index = this.keys.pauseIndex(pause.env, pause.eventName);
    if (pause.matchKey === undefined) return { keys: [index.any], args: [pause.id] };
    const { path, value } = pause.matchKey;
    return { keys: [index.any, index.paths, index.match(path, value)], args: [pause.id, path] };
  }
}

/** Whether the pause's match key (if any) holds for the event, as the index claimed. */
function matches(pause: Pause, event: WeftEvent): boolean {
  if (pause.matchKey === undefined) return true;
  const value = valueAtPath(event, pause.matchKey.path);
  return value !== undefined && canonicalJson(value) === pause.matchKey.value;
}
