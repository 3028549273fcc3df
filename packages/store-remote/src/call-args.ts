import type { WeftEvent } from "@weft/core";
import type { FlowStore, PauseStore, Queue, RunStateStore } from "@weft/store";
import { arrayOf, bool, int, num, object, oneOf, optional, record, str } from "./arg-checks.js";
import type { Check } from "./arg-checks.js";
import type { FlowMethod, PauseMethod, QueueMethod, StateMethod, StoreName } from "./wire.js";

/**
 * What each remote method takes, checked where a call is decoded, before anything reaches a store:
 * a call whose arguments do not fit is answered `400 INVALID_INPUT` naming the argument, instead of
 * reaching a backend that would throw a `TypeError` (a 500) or, worse, store half a record.
 *
 * Basic types only (strings, whole numbers, object shapes), the same for every backend; what a
 * value means (a run that does not exist, a key already taken) stays the store's to answer. The
 * table is typed against the contracts: a method missing here, a check per parameter missing, or a
 * check stricter than its parameter's type (a required field the contract makes optional) fails to
 * compile.
 */

/** One parameter: its name in messages, and its check. */
type Param<T> = readonly [name: string, check: Check<T>];
type Params<P extends readonly unknown[]> = { readonly [K in keyof P]: Param<P[K]> };
type Table<S, M extends keyof S> = { readonly [K in M]: S[K] extends (...args: infer P) => unknown ? Params<P> : never };

const event: Check<WeftEvent> = object({ id: str, name: str, data: record, user: record, ts: num, v: optional(str) });

const newRun = object({
  runId: str,
  idempotencyKey: str,
  functionId: str,
  appId: str,
  env: str,
  events: arrayOf(event),
  createdAt: int,
  maxAttempts: int,
  correlationId: optional(str),
});

const pause = object({
  id: str,
  runId: str,
  appId: optional(str),
  stepId: str,
  kind: oneOf("wait", "invoke", "cancel"),
  env: str,
  eventName: str,
  expression: optional(str),
  matchKey: optional(object({ path: str, value: str })),
  createdAt: int,
  expiresAt: int,
  exclusiveKey: optional(str),
});

const queueItem = object({ id: str, kind: str, runId: optional(str), tenant: str, payload: record, availableAt: int, attempt: int });

const runId = ["runId", str] as const;
const now = ["now", int] as const;
const token = ["token", str] as const;
const key = ["key", str] as const;

const state: Table<RunStateStore, StateMethod> = {
  createRun: [["run", newRun]],
  loadRun: [runId],
  loadMetadata: [runId],
  saveStep: [runId, ["stepId", str], ["output", str]],
  addPending: [runId, ["stepIds", arrayOf(str)]],
  updateRun: [runId, ["patch", object({ version: optional(int), forceStepPlan: optional(bool) })]],
  finalize: [runId, ["outcome", object({ status: oneOf("Completed", "Failed", "Cancelled"), output: optional(str), endedAt: int })]],
  deleteRun: [runId, ["tombstoneTtlMs", int]],
};

const pauses: Table<PauseStore, PauseMethod> = {
  savePause: [["pause", pause]],
  findPauses: [
    ["env", str],
    ["event", event],
  ],
  getPause: [["id", str]],
  pausesOfRun: [runId],
  deletePause: [["id", str]],
  claimPause: [
    ["pause", pause],
    ["opts", object({ onConflict: oneOf("fail", "replace"), evict: optional(str) })],
  ],
  claimPauseHolder: [["env", str], key],
  countPauses: [],
};

const queue: Table<Queue, QueueMethod> = {
  enqueue: [["item", queueItem]],
  enqueueMany: [["items", arrayOf(queueItem)]],
  enqueueLeased: [
    ["item", queueItem],
    ["opts", object({ now: int, leaseMs: int })],
  ],
  lease: [["opts", object({ now: int, leaseMs: int, limit: int })]],
  extend: [token, now, ["leaseMs", int]],
  requeue: [token, ["update", object({ availableAt: int, attempt: int })]],
  dequeue: [token],
  dropRun: [runId],
  nextAvailableAt: [now],
  size: [],
  statsByKind: [now],
};

const flow: Table<FlowStore, FlowMethod> = {
  acquireSlot: [key, ["holder", str], ["limit", int], ["expiresAt", int], now],
  releaseSlot: [key, ["holder", str]],
  slotHolders: [key, now],
  takeToken: [key, ["rate", object({ limit: int, periodMs: int, burst: int })], now],
  put: [key, ["value", str], ["expiresAt", int]],
  putIf: [key, ["value", str], ["expiresAt", int], ["expected", optional(int)], now],
  get: [key, now],
  deleteIf: [key, ["version", int]],
};

const tables: { readonly [S in StoreName]: Readonly<Record<string, readonly Param<never>[]>> } = { state, pauses, queue, flow };

/**
 * Why `args` (decoded: top-level nulls are undefined) do not fit `<store>.<method>`, or undefined
 * when they do. The method must be one of `remoteMethods`.
 */
export function argsProblem(store: StoreName, method: string, args: readonly unknown[]): string | undefined {
  const params = tables[store][method];
  if (params === undefined) return `no such store method: ${store}/${method}`;
  if (args.length > params.length) {
    const names = params.map(([name]) => name).join(", ");
    return `takes ${params.length} argument${params.length === 1 ? "" : "s"} (${names}), got ${args.length}`;
  }
  for (let i = 0; i < params.length; i++) {
    const [name, check] = params[i] as Param<never>;
    const wrong = check(args[i], name);
    if (wrong !== undefined) return wrong;
  }
  return undefined;
}
