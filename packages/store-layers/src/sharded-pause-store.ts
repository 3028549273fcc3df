import { InvalidInputError } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "@weft/store";
import type { ClaimPauseOptions, Pause, PauseClaim, PauseStore } from "@weft/store";
import { onEveryShard, shardOf } from "./shard-layout.js";
import type { ShardLayout, ShardStores } from "./shard-layout.js";

/**
 * `PauseStore` spread over shards by the pause's run id, so a run's pauses sit with its state and
 * `pausesOfRun` asks one shard.
 *
 * - `findPauses` asks every shard, since any run may wait for any event, and merges their answers in
 *   the order every pause store answers in (`comparePauses`). Each shard answers from its own
 *   (env, name, match key) index, so the fan-out reads only candidates, never a scan.
 * - `getPause` and `deletePause` find the shard from the id: the engine's ids are `<runId>:<rest>`
 *   (waits, invokes, cancels), and `savePause` refuses an id of that shape naming another run, so the
 *   run id in an id is always the right one. An id without a `:` says nothing about its run, so those
 *   two calls ask every shard.
 *
 * Exclusive keys (`claimPause`) are global while runs are not, so, as idempotency keys are, a key
 * is claimed on **the key's shard** (its own hash): that shard's atomic `claimPause` of a copy of
 * the pause is the single decision, and `claimPauseHolder` asks it alone. The pause itself is then
 * saved on its run's shard (when that is another shard), so everything about the run stays there.
 * Deleting such a pause frees the key's shard first (its copy), then the run's shard; a crash in
 * between leaves a pause that holds nothing, which the repeated delete finishes. A claimant replaced
 * while it was still saving on its run's shard finds that out when it is done, and deletes it there.
 * `findPauses` answers each pause once, copy or not.
 */
export class ShardedPauseStore implements PauseStore {
  constructor(private readonly layout: ShardLayout) {}

  async savePause(pause: Pause): Promise<void> {
    await this.runShardOf(pause).pauses.savePause(pause);
  }

  async findPauses(env: string, event: WeftEvent): Promise<Pause[]> {
    const found = await onEveryShard(this.layout, (s) => s.pauses.findPauses(env, event));
    const once = new Map(found.flat().map((p) => [p.id, p]));
    return [...once.values()].sort(comparePauses);
  }

  async claimPause(pause: Pause, opts: ClaimPauseOptions): Promise<PauseClaim> {
    if (pause.exclusiveKey === undefined) throw new InvalidInputError(`pause ${pause.id}: claimPause needs an exclusiveKey`);
    const runShard = this.runShardOf(pause);
    const keyShard = this.keyShardOf(pause.env, pause.exclusiveKey);
    const claim = await keyShard.pauses.claimPause(pause, opts);
    if (claim.status === "held") return claim;
    // The key's shard deleted the replaced holder's copy; its pause may live on another shard.
    if (claim.replaced !== undefined && this.runShardOf(claim.replaced) !== keyShard)
      await this.runShardOf(claim.replaced).pauses.deletePause(claim.replaced.id);
    if (runShard === keyShard) return claim;
    await runShard.pauses.savePause(pause);
    if ((await keyShard.pauses.claimPauseHolder(pause.env, pause.exclusiveKey))?.id !== pause.id) await runShard.pauses.deletePause(pause.id);
    return claim;
  }

  claimPauseHolder(env: string, key: string): Promise<Pause | undefined> {
    return this.keyShardOf(env, key).pauses.claimPauseHolder(env, key);
  }

  /**
   * The sum of every shard's count. A claimed pause whose key lives on another shard than its run
   * is stored twice (the key shard's copy, see above) and so counted twice: the figure may run
   * high by the signal waits held across shards, never low.
   */
  async countPauses(): Promise<number> {
    const counts = await onEveryShard(this.layout, (s) => s.pauses.countPauses());
    return counts.reduce((a, b) => a + b, 0);
  }

  async getPause(id: string): Promise<Pause | undefined> {
    const runId = runIdInPauseId(id);
    if (runId !== undefined) return shardOf(this.layout, runId).pauses.getPause(id);
    const found = await onEveryShard(this.layout, (s) => s.pauses.getPause(id));
    return found.find((p) => p !== undefined);
  }

  pausesOfRun(runId: string): Promise<Pause[]> {
    return shardOf(this.layout, runId).pauses.pausesOfRun(runId);
  }

  async deletePause(id: string): Promise<void> {
    const runId = runIdInPauseId(id);
    if (runId === undefined) {
      await onEveryShard(this.layout, (s) => s.pauses.deletePause(id));
      return;
    }
    const runShard = shardOf(this.layout, runId);
    const pause = await runShard.pauses.getPause(id);
    if (pause?.exclusiveKey !== undefined) {
      const keyShard = this.keyShardOf(pause.env, pause.exclusiveKey);
      if (keyShard !== runShard) await keyShard.pauses.deletePause(id);
    }
    await runShard.pauses.deletePause(id);
  }

  /** The shard of the pause's run, checking that a `<runId>:…` id names that run. */
  private runShardOf(pause: Pause): ShardStores {
    const named = runIdInPauseId(pause.id);
    if (named !== undefined && named !== pause.runId) {
      throw new InvalidInputError(`pause ${pause.id} of run ${pause.runId}: a pause id with ":" must start with its run id when stores are sharded`);
    }
    return shardOf(this.layout, pause.runId);
  }

  /** The shard that decides who holds an exclusive key. */
  private keyShardOf(env: string, key: string): ShardStores {
    return shardOf(this.layout, JSON.stringify(["pause-claim", env, key]));
  }
}

/** The run id at the head of a `<runId>:<rest>` pause id, or undefined for an id without one. */
export function runIdInPauseId(id: string): string | undefined {
  const colon = id.indexOf(":");
  return colon > 0 ? id.slice(0, colon) : undefined;
}
