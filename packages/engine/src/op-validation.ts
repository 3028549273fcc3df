import { expressionProblem, InvalidInputError, resolveTime, substituteVariable, type OutgoingOp, type SerializedError, type WeftEvent } from "@weft/core";
import { stepName } from "./limits.js";

/**
 * The longest sleep (and invoke timeout) an op may ask for: Inngest allows sleeps "up to a year"
 * (its usage limits); 366 days, so a year from any date fits. A longer one fails the run rather
 * than park it past anything a store or a JS Date can hold.
 */
export const maxSleepMs = 366 * 24 * 3600_000;

/** Ops the executor acts on. Lazy ops (`DeferAdd`, `DeferAbort`) are dropped before validation. */
const knownOps = new Set([
  "StepPlanned",
  "StepRun",
  "StepError",
  "StepFailed",
  "Sleep",
  "WaitForEvent",
  "WaitForSignal",
  "InvokeFunction",
  "RunComplete",
  "Gateway",
  "AIGateway",
]);

/** Ops of the protocol Weft does not act on (§4.1): say so rather than call them unknown. */
const unsupportedOps = new Set(["DiscoveryRequest", "StepNotFound", "None", "Step", "SyncRunComplete"]);

/** A bad op and the error its run fails with. */
export interface OpRefusal {
  op: OutgoingOp;
  error: SerializedError;
}

/**
 * The first op of one response the engine cannot act on, checked before anything of the response
 * is written. A bad op is the app's (or its SDK's) bug: the same request would get the same
 * answer, so the run fails at once with a `NonRetriableError` naming the step and the problem,
 * instead of the job throwing and being retried forever, or the op being skipped and the run left
 * waiting for nothing. `event` is the run's trigger event (a wait's `if` is frozen over it).
 */
export function refuseOps(ops: OutgoingOp[], event: WeftEvent, now: number): OpRefusal | undefined {
  const seen = new Set<string>();
  for (const op of ops) {
    // Two ops for one step: the second result would be refused by write-once, or the step
    // scheduled twice; either way the run could never be called consistently again.
    const problem = seen.has(op.id) ? `the response carries more than one op for step id ${op.id}` : opProblem(op, event, now);
    seen.add(op.id);
    if (problem) return { op, error: badOpError(op, problem) };
  }
  return undefined;
}

/** Two results for one step in one checkpoint (the checkpoint path acts on results only). */
export function refuseDuplicateResults(ops: OutgoingOp[]): OpRefusal | undefined {
  const seen = new Set<string>();
  for (const op of ops) {
    if (op.op !== "StepRun" && op.op !== "StepFailed") continue;
    if (seen.has(op.id)) return { op, error: badOpError(op, `the checkpoint carries more than one result for step id ${op.id}`) };
    seen.add(op.id);
  }
  return undefined;
}

export function badOpError(op: OutgoingOp, problem: string): SerializedError {
  const kind = String(op.op);
  return { name: "NonRetriableError", message: `step "${stepName(op)}" (${kind.length > 80 ? `${kind.slice(0, 77)}...` : kind}): ${problem}` };
}

/** Why the engine cannot act on one op, or undefined when it can. */
export function opProblem(op: OutgoingOp, event: WeftEvent, now: number): string | undefined {
  if (unsupportedOps.has(op.op)) return `Weft does not support the op ${op.op}`;
  if (!knownOps.has(op.op)) return `unknown op ${shown(op.op)}`;
  const opts = (op.opts ?? {}) as Record<string, unknown>;
  try {
    switch (op.op) {
      case "Sleep":
        sleepWakeAt(op, now);
        return undefined;
      case "WaitForEvent":
        return waitProblem(op, opts, event, now);
      case "WaitForSignal": {
        const signal = opts.signal ?? op.name;
        if (typeof signal !== "string" || signal === "") return "waitForSignal needs the name of the signal to wait for";
        if (opts.conflict !== undefined && opts.conflict !== "replace" && opts.conflict !== "fail")
          return `waitForSignal's onConflict must be "replace" or "fail", not ${shown(opts.conflict)}`;
        resolve("waitForSignal timeout", opts.timeout ?? "", now);
        return undefined;
      }
      case "InvokeFunction":
        if (opts.timeout !== undefined) boundedTime("invoke timeout", opts.timeout, now);
        return undefined;
      default:
        return undefined;
    }
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * When a sleep ends: its duration or date is in `opts.duration` or `name` (§4.1). A date in the
 * past wakes at once. Throws `InvalidInputError` on a time that does not parse, or that is more
 * than `maxSleepMs` away (a negative duration does not parse).
 */
export function sleepWakeAt(op: OutgoingOp, now: number): number {
  return boundedTime("sleep", (op.opts as { duration?: unknown } | undefined)?.duration ?? op.name ?? "", now);
}

function waitProblem(op: OutgoingOp, opts: Record<string, unknown>, event: WeftEvent, now: number): string | undefined {
  const name = opts.event ?? op.name;
  if (typeof name !== "string" || name === "") return "waitForEvent needs the name of the event to wait for";
  // Past a year the wait is shortened to a year (pauses.ts); it must still parse.
  resolve("waitForEvent timeout", opts.timeout ?? "", now);
  if (opts.if === undefined) return undefined;
  if (typeof opts.if !== "string") return `waitForEvent's "if" must be a string expression, not ${shown(opts.if)}`;
  const problem = expressionProblem(opts.if);
  if (problem) return `waitForEvent's "if" does not compile: ${problem}`;
  try {
    // What the pause does with it: the trigger event's values frozen in (pauses.ts).
    substituteVariable(opts.if, "event", event);
  } catch (e) {
    return `waitForEvent's "if" cannot be applied to the trigger event: ${(e as Error).message}`;
  }
  return undefined;
}

/** `text` as a time from `now`, at most `maxSleepMs` ahead. */
function boundedTime(what: string, text: unknown, now: number): number {
  const at = resolve(what, text, now);
  if (at - now > maxSleepMs) {
    const ahead = Number.isFinite(at) && Math.abs(at) <= 8.64e15 ? ` (until ${new Date(at).toISOString()})` : "";
    throw new InvalidInputError(`${what} of ${shown(text)}${ahead} is longer than the maximum of 366 days (a year, as Inngest allows)`);
  }
  return at;
}

/** Throws `InvalidInputError` naming `what` when `text` is not a time string or date. */
function resolve(what: string, text: unknown, now: number): number {
  if (typeof text !== "string" && typeof text !== "number") throw new InvalidInputError(`${what} must be a time string or date, not ${shown(text)}`);
  try {
    const at = resolveTime(String(text), now);
    if (Number.isNaN(at)) throw new InvalidInputError(`${shown(text)} is not a time`);
    return at;
  } catch (e) {
    throw new InvalidInputError(`${what} ${(e as Error).message}`);
  }
}

/** A value as it is quoted in a message, kept short: it comes from the app. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
