import { StoreUnavailableError } from "@weft/core";
import type {
  ClaimPauseOptions,
  CreateRunResult,
  FlowStore,
  FinalOutcome,
  Lease,
  NewRun,
  Pause,
  PauseClaim,
  PauseStore,
  Queue,
  QueueItem,
  QueueKindStats,
  RunMetadata,
  RunState,
  RunStateStore,
  SaveStepResult,
  StateBundle,
} from "@weft/store";
import type { WeftEvent } from "@weft/core";
import { RemoteConnection } from "./remote-connection.js";
import type { RemoteConnectionOptions } from "./remote-connection.js";
import { parseRemoteUrl } from "./remote-url.js";
import { RemoteWakeups } from "./remote-wakeups.js";
import { decodeResult } from "./wire.js";
import type { FlowMethod, PauseMethod, QueueMethod, StateMethod, StoreName } from "./wire.js";

export type RemoteStoresOptions = RemoteConnectionOptions;

/** What the four remote stores share: the connection, which their bundle owns. */
abstract class RemoteStore<M extends string> {
  constructor(
    protected readonly conn: RemoteConnection,
    private readonly store: StoreName,
  ) {}

  protected async call<T>(method: M, ...args: unknown[]): Promise<T> {
    return decodeResult(this.store, method, await this.conn.call(this.store, method, args)) as T;
  }
}

export class RemoteRunStateStore extends RemoteStore<StateMethod> implements RunStateStore {
  constructor(conn: RemoteConnection) {
    super(conn, "state");
  }
  createRun(run: NewRun): Promise<CreateRunResult> {
    return this.call("createRun", run);
  }
  loadRun(runId: string): Promise<RunState | undefined> {
    return this.call("loadRun", runId);
  }
  loadMetadata(runId: string): Promise<RunMetadata | undefined> {
    return this.call("loadMetadata", runId);
  }
  saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    return this.call("saveStep", runId, stepId, output);
  }
  addPending(runId: string, stepIds: string[]): Promise<void> {
    return this.call("addPending", runId, stepIds);
  }
  updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void> {
    return this.call("updateRun", runId, patch);
  }
  finalize(runId: string, outcome: FinalOutcome): Promise<boolean> {
    return this.call("finalize", runId, outcome);
  }
  deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    return this.call("deleteRun", runId, tombstoneTtlMs);
  }
}

export class RemotePauseStore extends RemoteStore<PauseMethod> implements PauseStore {
  constructor(conn: RemoteConnection) {
    super(conn, "pauses");
  }
  savePause(pause: Pause): Promise<void> {
    return this.call("savePause", pause);
  }
  findPauses(env: string, event: WeftEvent): Promise<Pause[]> {
    return this.call("findPauses", env, event);
  }
  getPause(id: string): Promise<Pause | undefined> {
    return this.call("getPause", id);
  }
  pausesOfRun(runId: string): Promise<Pause[]> {
    return this.call("pausesOfRun", runId);
  }
  deletePause(id: string): Promise<void> {
    return this.call("deletePause", id);
  }
  claimPause(pause: Pause, opts: ClaimPauseOptions): Promise<PauseClaim> {
    return this.call("claimPause", pause, opts);
  }
  claimPauseHolder(env: string, key: string): Promise<Pause | undefined> {
    return this.call("claimPauseHolder", env, key);
  }
  countPauses(): Promise<number> {
    return this.call("countPauses");
  }
}

export class RemoteQueue extends RemoteStore<QueueMethod> implements Queue {
  constructor(
    conn: RemoteConnection,
    private readonly wakeups: RemoteWakeups,
  ) {
    super(conn, "queue");
  }
  enqueue(item: QueueItem): Promise<boolean> {
    return this.call("enqueue", item);
  }
  enqueueMany(items: readonly QueueItem[]): Promise<boolean[]> {
    return this.call("enqueueMany", items);
  }
  enqueueLeased(item: QueueItem, opts: { now: number; leaseMs: number }): Promise<Lease | undefined> {
    return this.call("enqueueLeased", item, opts);
  }
  lease(opts: { now: number; leaseMs: number; limit: number }): Promise<Lease[]> {
    return this.call("lease", opts);
  }
  extend(token: string, now: number, leaseMs: number): Promise<boolean> {
    return this.call("extend", token, now, leaseMs);
  }
  requeue(token: string, update: { availableAt: number; attempt: number }): Promise<boolean> {
    return this.call("requeue", token, update);
  }
  dequeue(token: string): Promise<boolean> {
    return this.call("dequeue", token);
  }
  dropRun(runId: string): Promise<void> {
    return this.call("dropRun", runId);
  }
  nextAvailableAt(now: number): Promise<number | undefined> {
    return this.call("nextAvailableAt", now);
  }
  size(): Promise<number> {
    return this.call("size");
  }
  statsByKind(now: number): Promise<QueueKindStats[]> {
    return this.call("statsByKind", now);
  }
  subscribe(listener: (availableAt: number) => void): () => void {
    return this.wakeups.subscribe(listener);
  }
}

export class RemoteFlowStore extends RemoteStore<FlowMethod> implements FlowStore {
  constructor(conn: RemoteConnection) {
    super(conn, "flow");
  }
  acquireSlot(key: string, holder: string, limit: number, expiresAt: number, now: number): Promise<boolean> {
    return this.call("acquireSlot", key, holder, limit, expiresAt, now);
  }
  releaseSlot(key: string, holder: string): Promise<void> {
    return this.call("releaseSlot", key, holder);
  }
  slotHolders(key: string, now: number): Promise<string[]> {
    return this.call("slotHolders", key, now);
  }
  takeToken(key: string, rate: { limit: number; periodMs: number; burst: number }, now: number): Promise<{ allowed: boolean; retryAt: number }> {
    return this.call("takeToken", key, rate, now);
  }
  put(key: string, value: string, expiresAt: number): Promise<number> {
    return this.call("put", key, value, expiresAt);
  }
  putIf(key: string, value: string, expiresAt: number, expected: number | undefined, now: number): Promise<number | undefined> {
    return this.call("putIf", key, value, expiresAt, expected, now);
  }
  get(key: string, now: number): Promise<{ value: string; version: number } | undefined> {
    return this.call("get", key, now);
  }
  deleteIf(key: string, version: number): Promise<boolean> {
    return this.call("deleteIf", key, version);
  }
}

/** The remote stores, as `createRemoteStores` answers them: a `StateBundle`. */
export interface RemoteStores extends StateBundle {
  state: RemoteRunStateStore;
  pauses: RemotePauseStore;
  queue: RemoteQueue;
  flow: RemoteFlowStore;
}

/**
 * Run state, pauses, queue and flow control through one or more coordinators:
 * `weft://host:port[,host:port…]`. They share one HTTP/2 session per coordinator, which the
 * bundle's `close()` ends. Nothing connects until the first call; `init()` checks `/health` (and
 * the token) once, failing fast with `StoreUnavailableError` naming the URL. History and the
 * registry are not remote: pair with a `--db` store.
 */
export function createRemoteStores(url: string, opts: RemoteStoresOptions = {}): RemoteStores {
  const conn = new RemoteConnection(parseRemoteUrl(url), opts);
  const wakeups = new RemoteWakeups(conn);
  return {
    state: new RemoteRunStateStore(conn),
    pauses: new RemotePauseStore(conn),
    queue: new RemoteQueue(conn, wakeups),
    flow: new RemoteFlowStore(conn),
    async init() {
      const health = await conn.ready();
      // Fail at start rather than on the first flow-controlled run (a coordinator built before
      // every backend had a flow store hosts none).
      if (!health.stores.includes("flow")) {
        throw new StoreUnavailableError(`the coordinator at ${conn.display} hosts no flow store (its backend has none)`);
      }
    },
    async close() {
      wakeups.close();
      conn.close();
    },
  };
}
