import type { FlowStore, PauseStore, Queue, RunState, RunStateStore } from "@weft/store";
import type { MethodStats } from "./call-stats.js";

/**
 * The wire protocol shared by the coordinator and the client. One HTTP/2 stream per call:
 *
 *   POST /call/<store>/<method>   body: the arguments as a JSON array (checked against the
 *                                 method's parameters before it runs: `call-args.ts`)
 *     200 → `{ "result": …, "wakeups": [availableAt, …] }` (`result` absent for undefined)
 *     4xx/5xx → a `WireError` (`{ code, message, … }`)
 *   GET /subscribe                a long-lived stream: one JSON line per queue wakeup
 *   GET /health                   `HealthReport`, no token needed
 *
 * JSON has no `undefined`: an argument that is `undefined` travels as `null` and is passed on as
 * `undefined` again (`decodeArgs`); no contract method takes a top-level `null`.
 *
 * Every value is plain JSON except `RunState`, whose `steps` (a Map) and `pending` (a Set) travel
 * as an array of pairs and an array; `encodeResult`/`decodeResult` do that explicitly for the one
 * method that returns one, so no user payload can ever be mistaken for a tagged value.
 */

/** The stores a coordinator hosts, by the name used in paths (`flow` only when its backend has one). */
export type StoreName = "state" | "pauses" | "queue" | "flow";

export const storeNames: readonly StoreName[] = ["state", "pauses", "queue", "flow"];

/** Methods that are lifecycle or in-process only, never called over the wire. */
type LocalOnly = "init" | "close" | "subscribe";

type Remotable<T> = Exclude<keyof T, LocalOnly>;

const stateMethods = [
  "createRun",
  "loadRun",
  "loadMetadata",
  "saveStep",
  "addPending",
  "updateRun",
  "finalize",
  "deleteRun",
] as const satisfies readonly Remotable<RunStateStore>[];
const pauseMethods = [
  "savePause",
  "findPauses",
  "getPause",
  "pausesOfRun",
  "deletePause",
  "claimPause",
  "claimPauseHolder",
  "countPauses",
] as const satisfies readonly Remotable<PauseStore>[];
const queueMethods = [
  "enqueue",
  "enqueueMany",
  "enqueueLeased",
  "lease",
  "extend",
  "requeue",
  "dequeue",
  "dropRun",
  "nextAvailableAt",
  "size",
  "statsByKind",
] as const satisfies readonly Remotable<Queue>[];

const flowMethods = [
  "acquireSlot",
  "releaseSlot",
  "slotHolders",
  "takeToken",
  "put",
  "putIf",
  "get",
  "deleteIf",
] as const satisfies readonly Remotable<FlowStore>[];

// A method added to a contract must be added here too: these fail to compile until it is.
type Missing<T, Listed> = Exclude<Remotable<T>, Listed>;
const everyStateMethod: [Missing<RunStateStore, (typeof stateMethods)[number]>] extends [never] ? true : never = true;
const everyPauseMethod: [Missing<PauseStore, (typeof pauseMethods)[number]>] extends [never] ? true : never = true;
const everyQueueMethod: [Missing<Queue, (typeof queueMethods)[number]>] extends [never] ? true : never = true;
const everyFlowMethod: [Missing<FlowStore, (typeof flowMethods)[number]>] extends [never] ? true : never = true;
void [everyStateMethod, everyPauseMethod, everyQueueMethod, everyFlowMethod];

export type StateMethod = (typeof stateMethods)[number];
export type PauseMethod = (typeof pauseMethods)[number];
export type QueueMethod = (typeof queueMethods)[number];
export type FlowMethod = (typeof flowMethods)[number];

/** What the coordinator will dispatch: anything else is refused before it reaches a store. */
export const remoteMethods: { readonly [S in StoreName]: ReadonlySet<string> } = {
  state: new Set(stateMethods),
  pauses: new Set(pauseMethods),
  queue: new Set(queueMethods),
  flow: new Set(flowMethods),
};

/**
 * Calls the client may send again when the connection drops mid-call, because a second run answers
 * as the first did: reads, and writes that are idempotent with the same answer. Everything else
 * (`createRun` would answer `exists`, `enqueue` false, `lease` would lease other items, `claimPause`
 * would no longer name the holder it replaced, …) surfaces
 * `StoreUnavailableError` instead, and the engine's own retries decide.
 */
export const repeatableMethods: ReadonlySet<string> = new Set([
  "state.loadRun",
  "state.loadMetadata",
  "state.addPending",
  "state.updateRun",
  "state.deleteRun",
  "pauses.savePause",
  "pauses.findPauses",
  "pauses.getPause",
  "pauses.pausesOfRun",
  "pauses.deletePause",
  "pauses.claimPauseHolder",
  "pauses.countPauses",
  "queue.extend",
  "queue.dropRun",
  "queue.nextAvailableAt",
  "queue.size",
  "queue.statsByKind",
  // Taking a slot one already holds extends it and answers true again; `takeToken`, `put`,
  // `putIf` and `deleteIf` would spend, version or answer differently the second time.
  "flow.acquireSlot",
  "flow.releaseSlot",
  "flow.slotHolders",
  "flow.get",
]);

export const callPathPrefix = "/call/";
export const subscribePath = "/subscribe";
export const healthPath = "/health";
/** Identifies one client (one `createRemoteStores`), so its own wakeups are not pushed back to it. */
export const clientIdHeader = "x-weft-client";
/** Set on a 503 for a call that was refused before it ran (draining): safe to send elsewhere. */
export const refusedHeader = "x-weft-refused";

export function callPath(store: StoreName, method: string): string {
  return `${callPathPrefix}${store}/${method}`;
}

/** The successful answer to a call. */
export interface CallReply {
  result?: unknown;
  /** The queue wakeups this call caused, for the caller's own `subscribe` listeners. */
  wakeups?: number[];
}

/** One line of the `/subscribe` stream. */
export type SubscribeLine = { ready: true } | { availableAt: number };

export interface HealthReport {
  status: "ok" | "draining";
  /** Backend operations running now, and waiting for a slot. */
  inFlight: number;
  waiting: number;
  maxInFlight: number;
  peakInFlight: number;
  /** Connected client sessions and open `/subscribe` streams. */
  sessions: number;
  subscribers: number;
  /** Calls answered since start, and how many of those were errors. */
  calls: number;
  errors: number;
  /** Lease calls that shared one backend lease with others (the backend was saturated). */
  mergedLeases: number;
  /** Per `<store>.<method>`: calls, errors, mean wait for a backend slot and mean backend time. */
  methods: Record<string, MethodStats>;
  uptimeMs: number;
  /** The stores hosted here. */
  stores: StoreName[];
  /** How the token of this request (if any) fared: `none` when the coordinator needs none. */
  auth: "none" | "ok" | "missing" | "bad";
}

interface WireRunState extends Omit<RunState, "steps" | "pending"> {
  steps: [string, string][];
  pending: string[];
}

export function encodeResult(store: StoreName, method: string, value: unknown): unknown {
  if (store === "state" && method === "loadRun" && value !== undefined) {
    const state = value as RunState;
    const wire: WireRunState = { ...state, steps: [...state.steps], pending: [...state.pending] };
    return wire;
  }
  return value;
}

export function decodeResult(store: StoreName, method: string, value: unknown): unknown {
  if (store === "state" && method === "loadRun" && value !== undefined && value !== null) {
    const wire = value as WireRunState;
    const state: RunState = { ...wire, steps: new Map(wire.steps), pending: new Set(wire.pending) };
    return state;
  }
  // JSON has no undefined: an absent `result` (or a null where a contract says undefined) is undefined.
  return value === null ? undefined : value;
}

/** The coordinator's view of a call's arguments: top-level nulls back to the undefined they were. */
export function decodeArgs(args: unknown[]): unknown[] {
  return args.map((arg) => (arg === null ? undefined : arg));
}
