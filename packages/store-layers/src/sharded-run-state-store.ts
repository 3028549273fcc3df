import { InvalidInputError, isWeftError } from "@weft/core";
import type { CreateRunResult, FinalOutcome, NewRun, RunMetadata, RunState, RunStateStore, SaveStepResult } from "@weft/store";
import { newRunOf } from "./run-copy.js";
import { shardOf } from "./shard-layout.js";
import type { ShardLayout } from "./shard-layout.js";

/** A claim that keeps changing under `createRun` (a delete racing it) is retried this many times. */
const createAttempts = 3;

/**
 * `RunStateStore` spread over shards by run id: every call about one run goes to the shard its run
 * id hashes to ("the run's shard").
 *
 * Idempotency keys are global while runs are not: 20 concurrent creates with one key carry 20
 * different run ids, which hash to different shards, and exactly one may answer `created`. So the
 * key is claimed on **the key's shard** (its own hash), and the run then lives on the run's shard:
 *
 * 1. `createRun` on the key's shard. That store's own idempotency makes this the single decision:
 *    `tombstone` and `exists` are answered as they are; `created` means this call owns the key.
 *    What it stores there is a full copy of the new run (same run id and key): the claim.
 * 2. `createRun` on the run's shard, with the same key. It answers `created`, or `exists` with this
 *    run id when a racer already did step 2 for us (below); both mean done.
 *
 * When the two shards are the same shard, step 1 alone is the create, atomic as on one store.
 *
 * A crash between the steps, or a failed step 2, leaves a claim whose run is missing from the run's
 * shard (only a certain refusal, the run id held under another key, releases the claim). Nothing is
 * lost: the engine never learnt the run id, so its event job is redelivered and creates again; that
 * create finds the claim (`exists`), sees the run missing and makes it from the claim's copy before
 * answering (`materialise`). The engine then queues the run's discovery, whose id is deterministic, as
 * it does for every `exists`. The claim copy is written once and never read for run state.
 *
 * The claim copy uses the real key on purpose: every shard's key table then agrees on which run a key
 * names, so a copy left by a layout change can serve as the claim of the next layout (see rebalance).
 *
 * `deleteRun` tombstones the key's shard first, then deletes the run's shard (which tombstones the key
 * there too), so a crash in between leaves the key answering `tombstone` and a repeated delete, which
 * finds the run where it was, finishes the job.
 */
export class ShardedRunStateStore implements RunStateStore {
  constructor(private readonly layout: ShardLayout) {}

  async createRun(run: NewRun): Promise<CreateRunResult> {
    const runShard = this.stateOf(run.runId);
    const keyShard = this.stateOf(run.idempotencyKey);
    if (runShard === keyShard) return runShard.createRun(run);
    for (let attempt = 1; ; attempt++) {
      const claim = await keyShard.createRun(run);
      if (claim.status === "tombstone") return claim;
      if (claim.status === "exists") {
        const settled = await this.materialise(claim.runId, keyShard);
        if (settled !== undefined || attempt >= createAttempts) return settled ?? claim;
        continue; // the claim was deleted while we looked: ask the key's shard again
      }
      return this.placeClaimedRun(run, runShard, keyShard);
    }
  }

  loadRun(runId: string): Promise<RunState | undefined> {
    return this.stateOf(runId).loadRun(runId);
  }

  loadMetadata(runId: string): Promise<RunMetadata | undefined> {
    return this.stateOf(runId).loadMetadata(runId);
  }

  saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    return this.stateOf(runId).saveStep(runId, stepId, output);
  }

  addPending(runId: string, stepIds: string[]): Promise<void> {
    return this.stateOf(runId).addPending(runId, stepIds);
  }

  updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void> {
    return this.stateOf(runId).updateRun(runId, patch);
  }

  finalize(runId: string, outcome: FinalOutcome): Promise<boolean> {
    return this.stateOf(runId).finalize(runId, outcome);
  }

  async deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    const runShard = this.stateOf(runId);
    const metadata = await runShard.loadMetadata(runId);
    if (metadata === undefined) return;
    const keyShard = this.stateOf(metadata.idempotencyKey);
    if (keyShard !== runShard) await keyShard.deleteRun(runId, tombstoneTtlMs);
    await runShard.deleteRun(runId, tombstoneTtlMs);
  }

  /** Step 2 of a create whose key this call claimed: the run on its own shard. */
  private async placeClaimedRun(run: NewRun, runShard: RunStateStore, keyShard: RunStateStore): Promise<CreateRunResult> {
    let placed: CreateRunResult;
    try {
      placed = await runShard.createRun(run);
    } catch (e) {
      // The run id is held under another key there: this run will never exist, so release the claim
      // (a tombstone that ends now). Any other failure may or may not have written the run; the claim
      // stays, and the next create of this key finds it and finishes the job (`materialise`).
      if (isWeftError(e, InvalidInputError)) await keyShard.deleteRun(run.runId, 0);
      throw e;
    }
    if (placed.status === "created" || (placed.status === "exists" && placed.runId === run.runId)) {
      return { status: "created", runId: run.runId };
    }
    // The run's shard knows this key under another run, or as a tombstone: state from an earlier
    // layout that a rebalance could not move (tombstones cannot be listed). The older answer wins;
    // release the claim so the key's shard does not contradict it.
    await keyShard.deleteRun(run.runId, 0);
    return placed;
  }

  /**
   * The key's shard says `exists` for `runId`: make sure the run is where reads look, creating it from
   * the claim's copy when a create died between its two steps. Undefined when the claim vanished
   * meanwhile (a racing delete), so the caller asks again.
   */
  private async materialise(runId: string, keyShard: RunStateStore): Promise<CreateRunResult | undefined> {
    const runShard = this.stateOf(runId);
    if (runShard === keyShard) return { status: "exists", runId };
    if ((await runShard.loadMetadata(runId)) !== undefined) return { status: "exists", runId };
    const claim = await keyShard.loadRun(runId);
    if (claim === undefined) return undefined;
    const placed = await runShard.createRun(newRunOf(claim.metadata, claim.events));
    if (placed.status === "created" || (placed.status === "exists" && placed.runId === runId)) return { status: "exists", runId };
    // A tombstone (deleted meanwhile) or, from an earlier layout, the key under another run: that answer stands.
    return placed;
  }

  private stateOf(key: string): RunStateStore {
    return shardOf(this.layout, key).state;
  }
}
