import { InvalidInputError, RunNotFoundError, StateConflictError } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { systemClock } from "@weft/store";
import type { Clock, CreateRunResult, FinalOutcome, NewRun, RunMetadata, RunState, RunStateStore, RunStatus, SaveStepResult } from "@weft/store";
import { KeyLayout } from "./keys.js";
import type { RunKeys } from "./keys.js";
import * as lua from "./lua/run-state-scripts.js";
import type { RedisConnection } from "./redis-connection.js";
import { replyArray, replyNumber, replyString, replyStrings } from "./redis-replies.js";

/**
 * Tombstones follow the store's clock (the value holds their end); the key's Redis expiry is only
 * garbage collection, a day past that end so clock skew between engine and Redis cannot cut it short.
 */
const tombstoneGcSlackMs = 24 * 60 * 60 * 1000;

/**
 * `RunStateStore` on Redis. A run's keys share the tag `{<runId>}`, so every run mutation is one
 * Lua script on one slot. Only the idempotency key lives under another tag (`{<key>}`), so
 * `createRun` and `deleteRun` take two steps, ordered so a crash between them misleads no reader:
 *
 * - create: run state first, then the key. Until the key points at it, the new run's id is known
 *   only to this call, so a crash in between leaves an unreachable run, never a key pointing at
 *   nothing. A create that loses the key removes its run before answering.
 * - delete: tombstone first, then the state. A crash in between leaves a run whose key already
 *   answers `tombstone`; repeating `deleteRun` (it reads the key from the state) finishes the job.
 */
export class RedisRunStateStore implements RunStateStore {
  private readonly clock: Clock;
  private readonly keys: KeyLayout;
  private readonly finishedRunTtlMs: number;

  /**
   * `finishedRunTtlMs` (`--retention-runs`): a finished run's keys, and its idempotency key, expire
   * this long after `finalize`, so they never outlive the retention period even when no sweep
   * finds them; unset keeps them until `deleteRun`.
   */
  constructor(
    private readonly conn: RedisConnection,
    opts: { clock?: Clock; keyPrefix?: string; finishedRunTtlMs?: number } = {},
  ) {
    this.keys = new KeyLayout(opts.keyPrefix);
    this.clock = opts.clock ?? systemClock;
    this.finishedRunTtlMs = Math.max(0, Math.ceil(opts.finishedRunTtlMs ?? 0));
  }

  async createRun(run: NewRun): Promise<CreateRunResult> {
    const keyOfKey = this.keys.idempotency(run.idempotencyKey);
    const now = this.clock.now();
    // No look at the key first: a new run (the common case) is two round trips, not three; a
    // create whose key is taken writes run state nobody can reach and takes it back below.
    const keys = this.keys.run(run.runId);
    const { events, ...meta } = run;
    const made = await this.conn.script(lua.createRunState, runKeys(keys), [run.idempotencyKey, JSON.stringify(meta), JSON.stringify(events)]);
    if (made === 0) throw new InvalidInputError(`run ${run.runId} already exists under another idempotency key`);
    const claim = replyArray(await this.conn.script(lua.claimKey, [keyOfKey], [run.runId, now]), "claimKey");
    if (claim[0] === "created") return { status: "created", runId: run.runId };
    const winner = claim[0] === "exists" ? replyString(claim[1], "claimKey") : undefined;
    // The same create repeated (same run id) found its own claim: nothing to take back.
    if (winner === run.runId) return { status: "exists", runId: winner };
    await this.conn.script(lua.undoCreateRun, runKeys(keys), [run.idempotencyKey]);
    return winner === undefined ? { status: "tombstone" } : { status: "exists", runId: winner };
  }

  async loadRun(runId: string): Promise<RunState | undefined> {
    const reply = await this.conn.script(lua.loadRun, runKeys(this.keys.run(runId)));
    if (reply === null) return undefined;
    const [fields, stackReply, stepsReply, pendingReply] = replyArray(reply, "loadRun");
    const [meta, events, ...dynamic] = replyArray(fields, "loadRun");
    const stack = replyStrings(stackReply, "loadRun");
    const flat = replyStrings(stepsReply, "loadRun");
    const values = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) values.set(flat[i] ?? "", flat[i + 1] ?? "");
    // The map in stack order, as the stack is the order results were saved in.
    const steps = new Map<string, string>();
    for (const id of stack) steps.set(id, values.get(id) ?? "");
    return {
      metadata: toMetadata([meta, ...dynamic]),
      events: JSON.parse(replyString(events, "loadRun")) as WeftEvent[],
      steps,
      stack,
      pending: new Set(replyStrings(pendingReply, "loadRun")),
    };
  }

  async loadMetadata(runId: string): Promise<RunMetadata | undefined> {
    const fields = replyArray(await this.conn.command("HMGET", [this.keys.run(runId).run, "meta", "status", "version", "force", "endedAt"]), "loadMetadata");
    return fields[0] === null ? undefined : toMetadata(fields);
  }

  async saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    const reply = replyArray(await this.conn.script(lua.saveStep, runKeys(this.keys.run(runId)), [stepId, output]), "saveStep");
    const code = reply[0];
    if (code === -1) throw new RunNotFoundError(runId);
    if (code === 0) throw new StateConflictError(runId, stepId);
    return {
      status: code === 2 ? "saved" : "idempotent",
      pendingRemaining: replyNumber(reply[1], "saveStep"),
      stackLength: replyNumber(reply[2], "saveStep"),
    };
  }

  async addPending(runId: string, stepIds: string[]): Promise<void> {
    const code = await this.conn.script(lua.addPending, runKeys(this.keys.run(runId)), stepIds);
    if (code === -1) throw new RunNotFoundError(runId);
  }

  async updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void> {
    const force = patch.forceStepPlan === undefined ? "" : patch.forceStepPlan ? "1" : "0";
    const code = await this.conn.script(lua.updateRun, runKeys(this.keys.run(runId)), [patch.version ?? "", force]);
    if (code === -1) throw new RunNotFoundError(runId);
  }

  async finalize(runId: string, outcome: FinalOutcome): Promise<boolean> {
    const code = await this.conn.script(lua.finalize, runKeys(this.keys.run(runId)), [
      outcome.status,
      outcome.endedAt,
      outcome.output === undefined ? "0" : "1",
      outcome.output ?? "",
      this.finishedRunTtlMs,
    ]);
    if (code === -1) throw new RunNotFoundError(runId);
    if (typeof code === "string") {
      await this.conn.command("PEXPIRE", [this.keys.idempotency(code), this.finishedRunTtlMs]);
      return true;
    }
    return code === 1;
  }

  async deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    const keys = this.keys.run(runId);
    const key = await this.conn.command("HGET", [keys.run, "key"]);
    if (typeof key !== "string") return;
    const until = this.clock.now() + tombstoneTtlMs;
    await this.conn.script(lua.tombstoneKey, [this.keys.idempotency(key)], [runId, until, Math.max(1, Math.ceil(tombstoneTtlMs)) + tombstoneGcSlackMs]);
    // The run's pause set (`keys.pauses`) belongs to the pause store, which cleans it up itself.
    await this.conn.command("DEL", [keys.run, keys.steps, keys.stack, keys.pending]);
  }
}

function runKeys(keys: RunKeys): string[] {
  return [keys.run, keys.steps, keys.stack, keys.pending];
}

/** From the fields [meta JSON, status, version, force, endedAt]. */
function toMetadata(fields: unknown[]): RunMetadata {
  const [meta, status, version, force, endedAt] = fields;
  const metadata: RunMetadata = {
    ...(JSON.parse(replyString(meta, "run metadata")) as Omit<NewRun, "events">),
    status: replyString(status, "run status") as RunStatus,
    version: replyNumber(version, "run version"),
    forceStepPlan: force === "1",
  };
  if (endedAt !== null && endedAt !== undefined) metadata.endedAt = replyNumber(endedAt, "run endedAt");
  return metadata;
}
