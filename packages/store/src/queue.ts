export interface QueueItem {
  /** Deterministic job id: enqueuing a seen id is refused, so duplicates collapse. */
  id: string;
  /** What the job does: the engine's job protocol names the kinds; a store only carries it. */
  kind: string;
  /** The run this job belongs to (absent for `event` jobs). */
  runId?: string;
  /** Fairness key: jobs are leased round-robin across tenants. */
  tenant: string;
  /** Job-specific data, JSON-serialisable. */
  payload: Record<string, unknown>;
  /** Not leased before this time (ms since epoch). */
  availableAt: number;
  /** 0-based attempt of this item. */
  attempt: number;
}

/** One kind of job in the queue, for metrics (`Queue.statsByKind`). */
export interface QueueKindStats {
  kind: string;
  /** Items of the kind not yet dequeued (queued or leased). */
  depth: number;
  /** The earliest `availableAt` of its unleased items that are due (`<= now`): how long the oldest has waited. */
  oldestDueAt: number | undefined;
}

/** How long a dequeued (or dropped) id stays refused unless a store is configured otherwise: 24 h. */
export const defaultDedupeWindowMs = 24 * 60 * 60 * 1000;

export interface Lease {
  item: QueueItem;
  /** Proves ownership; a stale token cannot extend, requeue or dequeue. */
  token: string;
  /**
   * How many times the item has been leased, this lease included: 1 for a first delivery. Above 1
   * the job ran before (its holder died, or it was requeued).
   */
  deliveries: number;
  expiresAt: number;
}

/**
 * A durable work queue with leases.
 *
 * Guarantees: a seen job id is refused while queued, leased, or within the dedupe window after
 * dequeue; at most one live lease per item; a stale token cannot extend, requeue or dequeue; an
 * item whose lease expired is leased again; every enqueued item is delivered at least once.
 */
export interface Queue {
  /** Add a job. Answers false (and changes nothing) when the id was seen. */
  enqueue(item: QueueItem): Promise<boolean>;

  /**
   * Add several jobs in one write: each as `enqueue` would add it, answered in order (false: its id
   * was seen, an earlier item of the list with the same id included). A group of jobs (an ingest's
   * events, the discoveries of a burst of resumed runs) costs one write instead of one each: one
   * transaction or statement where the backend has them. Not promised atomic: after a failure some
   * may be queued (a retry refuses those, as `enqueue` would).
   */
  enqueueMany(items: readonly QueueItem[]): Promise<boolean[]>;

  /**
   * Add a job already leased to the caller, in one write: for a job this process will run at once,
   * so it skips the lease that would follow the enqueue. Undefined (and nothing changed) when the
   * id was seen, as `enqueue`. The lease is like one from `lease`: the item's first (lease count
   * 1), live until `now + leaseMs`, fenced by its token, and leased again to anyone once it lapses;
   * the tenant counts as served. No wakeup is sent: nobody else is meant to take it.
   */
  enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined>;

  /**
   * Lease up to `limit` items with `availableAt <= now` that are not under a live lease (a lease is
   * live while `now < expiresAt`), oldest first within a tenant, round-robin across tenants.
   * "Oldest" is the time an item became leasable: its `availableAt`, or the expiry of the lease it
   * lost. Tenants are served least recently served first, so repeated `limit: 1` calls alternate.
   */
  lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]>;

  /**
   * Push a lease's expiry out to `now + leaseMs`. False when the token is stale. A token is stale once
   * its item was leased again, requeued, dequeued or dropped; an expired lease nobody else took
   * is still the holder's.
   */
  extend(token: string, now: number, leaseMs: number): Promise<boolean>;

  /** Put a leased item back for later, with a new attempt number. False when the token is stale. */
  requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean>;

  /** Remove a finished item (its id stays refused for the dedupe window). False when stale. */
  dequeue(token: string): Promise<boolean>;

  /** Remove every queued item of a run (a cancelled run); their ids stay refused for the dedupe window. */
  dropRun(runId: string): Promise<void>;

  /** The earliest `availableAt` of any item not under a live lease, for timers. */
  nextAvailableAt(now: number): Promise<number | undefined>;

  /** Count of items not yet dequeued. */
  size(): Promise<number>;

  /**
   * Depth and the oldest due unleased item per kind, for a metrics scrape: read from the store, so
   * it is right whichever process queued or leased the items. Kinds with no item may be left out.
   * An index-backed read, never a scan of payloads.
   */
  statsByKind(now: number): Promise<QueueKindStats[]>;

  /**
   * Push wakeup: `listener` is called with an item's `availableAt` whenever one is enqueued or
   * requeued through this process. Polling covers other processes.
   */
  subscribe(listener: (availableAt: number) => void): () => void;
}
