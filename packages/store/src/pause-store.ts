import type { WeftEvent } from "@weft/core";

export type PauseKind = "wait" | "invoke" | "cancel";

/**
 * A run waiting for an event: `step.waitForEvent`, the end of an invoked child, or a `cancelOn`.
 */
export interface Pause {
  /** Deterministic: `<runId>:<stepId>` for waits and invokes, so a repeat save is a no-op. */
  id: string;
  runId: string;
  /**
   * The paused run's app: the tenant of the discovery a resume queues, so a resume reads nothing
   * of the run first. Data only, stored with the rest; absent on pauses saved before it was kept,
   * which the engine looks up instead.
   */
  appId?: string;
  /** The hashed step id the matching event (or the timeout) is saved under. */
  stepId: string;
  kind: PauseKind;
  env: string;
  /** The event name that may resume it. */
  eventName: string;
  /**
   * CEL over `async` (the incoming event), with the run's `event.*` already replaced by literals.
   * Absent: any event of `eventName` matches.
   */
  expression?: string;
  /**
   * The index: when the expression requires `async.<path> == <literal>`, the path and the literal's
   * canonical JSON text. Lookups by event use it so they never scan unrelated pauses.
   */
  matchKey?: { path: string; value: string };
  createdAt: number;
  expiresAt: number;
  /**
   * A name in the pause's env that at most one pause holds at a time (a signal wait holds its
   * signal name). Set on pauses saved by `claimPause`; `savePause` stores it as data and claims
   * nothing.
   */
  exclusiveKey?: string;
}

/** What `claimPause` does when another pause holds the key: refuse, or take the key and delete the holder. */
export type PauseConflict = "fail" | "replace";

export interface ClaimPauseOptions {
  onConflict: PauseConflict;
  /**
   * The id of a holder the caller found stale (its run ended, its wait already resumed or expired):
   * taken over as with `replace`, even under `fail`, but only while that very pause still holds the
   * key. Any other holder is treated by `onConflict`.
   */
  evict?: string;
}

/**
 * `claimed`: the pause is saved and holds its key; `replaced` is the holder it took the key from,
 * whose pause is now deleted. `held`: another pause holds the key (`fail`); nothing was written.
 */
export type PauseClaim = { status: "claimed"; replaced?: Pause } | { status: "held"; holder: Pause };

/**
 * Pauses, indexed by (env, event name) and by match key.
 *
 * Consuming a pause is not in this contract: it is the write-once `saveStep` of the paused step, so
 * an event and a timeout racing each other have exactly one winner without locks. The winner then
 * deletes the pause.
 *
 * Exclusive pauses (`claimPause`): a pause may hold a key that no other pause of its env holds at
 * the same time. Signals use it: a signal wait holds its signal name, and a signal resumes the
 * holder (`claimPauseHolder`), so two runs starting a wait on one signal at once cannot both stand.
 */
export interface PauseStore {
  /** Save a pause. Idempotent on `id`: saving the same id again keeps the first. */
  savePause(pause: Pause): Promise<void>;

  /**
   * Candidates for an event: pauses of (env, `event.name`) with no match key, or whose match key's
   * value equals the event's value at that path (compared as canonical JSON text). Deleted pauses
   * are never returned; expired but undeleted ones are (the timeout handler still needs them). The
   * caller evaluates `expression`.
   */
  findPauses(env: string, event: WeftEvent): Promise<Pause[]>;

  getPause(id: string): Promise<Pause | undefined>;

  /** All pauses of one run (to clean up when it ends or is cancelled). */
  pausesOfRun(runId: string): Promise<Pause[]>;

  /** Delete a pause; deleting one that is gone is not an error. Frees its `exclusiveKey` if it held it. */
  deletePause(id: string): Promise<void>;

  /**
   * Save `pause` holding `pause.exclusiveKey` (required) in `pause.env`, atomically with the check
   * of who holds it: whatever the interleaving of claims of one (env, key), at most one pause holds
   * it, and the holder is the pause `claimPauseHolder` answers.
   *
   * - The key is free, or held by this very pause id (a repeated claim): `claimed`, and a repeat
   *   changes nothing.
   * - Held by another pause: with `fail`, `held` (and that holder); with `replace` (or an `evict`
   *   naming that holder), the holder's pause is deleted, this one saved holding the key, and the
   *   holder answered as `replaced`.
   *
   * A holder's key is free again once its pause is deleted (`deletePause`, or `replace`). A pause
   * already stored under this id that does not hold the key is saved again as given.
   */
  claimPause(pause: Pause, opts: ClaimPauseOptions): Promise<PauseClaim>;

  /** The pause holding `key` in `env`, or undefined when the key is free: one indexed read. */
  claimPauseHolder(env: string, key: string): Promise<Pause | undefined>;

  /**
   * How many pauses are stored, every env, expired but undeleted ones included: the runs parked on
   * a wait, an invoke or a `cancelOn` (`weft_pauses_parked`, read at scrape time, so it is right
   * however many engines share the store). Cheap: a counter or an index count, never a read of the
   * pauses. Each backend says how exact it is.
   */
  countPauses(): Promise<number>;
}
