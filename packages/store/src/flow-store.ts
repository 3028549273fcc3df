/**
 * What flow control needs to agree on across engine processes: counted slots (concurrency,
 * singleton), a token bucket per key (throttle, rate limit), and a small versioned register
 * (debounce, paused functions).
 *
 * Deliberately not in this contract: what the keys mean (the engine builds them), and any queue
 * behaviour — a job that cannot proceed is requeued by the engine, so a saturated key never blocks
 * the queue for other keys.
 */
export interface FlowStore {
  /**
   * Take one of `limit` slots of `key` for `holder` until `expiresAt`. **Atomic**: of any number of
   * racing holders, at most `limit` hold the key at once (expired holders do not count). Taking a
   * slot the holder already has extends it and answers true.
   */
  acquireSlot(key: string, holder: string, limit: number, expiresAt: number, now: number): Promise<boolean>;

  /** Give a slot back; giving back one not held is not an error. */
  releaseSlot(key: string, holder: string): Promise<void>;

  /** The holders of `key` whose slots have not expired at `now`. */
  slotHolders(key: string, now: number): Promise<string[]>;

  /**
   * GCRA: spend one unit of `key`'s budget of `limit` units per `periodMs`, allowing bursts of
   * `burst` extra units. **Atomic** per key. Answers whether it was allowed and, if not, the
   * earliest time it would be.
   */
  takeToken(key: string, rate: { limit: number; periodMs: number; burst: number }, now: number): Promise<{ allowed: boolean; retryAt: number }>;

  /** Set a register; answers its new version (1, 2, …, counting every put of the key). */
  put(key: string, value: string, expiresAt: number): Promise<number>;

  /**
   * Compare-and-set: write only if the register's live version at `now` is `expected`
   * (`undefined`: no live value). **Atomic** per key. Answers the new version, or undefined when
   * another write got there first (read again and retry).
   */
  putIf(key: string, value: string, expiresAt: number, expected: number | undefined, now: number): Promise<number | undefined>;

  /** A register's value and version, or undefined when absent or expired at `now`. */
  get(key: string, now: number): Promise<{ value: string; version: number } | undefined>;

  /** Delete a register only if it still has `version` (compare-and-delete); answers whether it did. */
  deleteIf(key: string, version: number): Promise<boolean>;
}
