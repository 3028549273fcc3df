import { InvalidInputError } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "@weft/store";
import type { Pause, PauseStore } from "@weft/store";
import { onEveryShard, shardOf } from "./shard-layout.js";
import type { ShardLayout } from "./shard-layout.js";

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
 */
export class ShardedPauseStore implements PauseStore {
  constructor(private readonly layout: ShardLayout) {}

  async savePause(pause: Pause): Promise<void> {
    const named = runIdInPauseId(pause.id);
    if (named !== undefined && named !== pause.runId) {
      throw new InvalidInputError(`pause ${pause.id} of run ${pause.runId}: a pause id with ":" must start with its run id when stores are sharded`);
    }
    await shardOf(this.layout, pause.runId).pauses.savePause(pause);
  }

  async findPauses(env: string, event: WeftEvent): Promise<Pause[]> {
    const found = await onEveryShard(this.layout, (s) => s.pauses.findPauses(env, event));
    return found.flat().sort(comparePauses);
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
    if (runId !== undefined) await shardOf(this.layout, runId).pauses.deletePause(id);
    else await onEveryShard(this.layout, (s) => s.pauses.deletePause(id));
  }
}

/** The run id at the head of a `<runId>:<rest>` pause id, or undefined for an id without one. */
export function runIdInPauseId(id: string): string | undefined {
  const colon = id.indexOf(":");
  return colon > 0 ? id.slice(0, colon) : undefined;
}
