import type { WeftEvent } from "@weft/core";

export type PauseKind = "wait" | "invoke" | "cancel";

/**
 * A run waiting for an event: `step.waitForEvent`, the end of an invoked child, or a `cancelOn`.
 */
export interface Pause {
  /** Deterministic: `<runId>:<stepId>` for waits and invokes, so a repeat save is a no-op. */
  id: string;
  runId: string;
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
}

/**
 * Pauses, indexed by (env, event name) and by match key.
 *
 * Consuming a pause is not in this contract: it is the write-once `saveStep` of the paused step, so
 * an event and a timeout racing each other have exactly one winner without locks. The winner then
 * deletes the pause.
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

  /** Delete a pause; deleting one that is gone is not an error. */
  deletePause(id: string): Promise<void>;
}
