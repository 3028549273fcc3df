import { eventChainDepth, LimitExceededError, runChainDepthLimitName, type OutgoingOp, type SerializedError } from "@weft/core";
import type { RunState } from "@weft/store";

/**
 * The server's size and count limits. Each is configurable (server option and CLI flag), and every
 * refusal names the limit and the flag that raises it, so nobody has to guess which one they hit.
 */
export interface Limits {
  /** One event's JSON, in bytes (`--max-event-bytes`, default 512 KiB). */
  maxEventBytes: number;
  /** Events in one `POST /e/:key` request (`--max-events-per-request`, default 5,000). */
  maxEventsPerRequest: number;
  /** Nesting of arrays and objects inside one event (`--max-event-depth`, default 100, at most 1,000). */
  maxEventDepth: number;
  /** One step's result (or the function's return value), in bytes (`--max-step-output-bytes`, default 4 MiB). */
  maxStepOutputBytes: number;
  /** A run's events plus every stored step result, in bytes (`--max-run-state-bytes`, default 32 MiB). */
  maxRunStateBytes: number;
  /** Steps one run may record or plan (`--max-steps`, default 1,000). */
  maxSteps: number;
  /** The largest `batchEvents.maxSize` a function may ask for (`--max-batch-events`, default 100). */
  maxBatchEvents: number;
  /**
   * How deep a chain of runs may go (`--max-run-chain-depth`, default 1,000): each `step.invoke`
   * and each `step.sendEvent` (Weft's SDK) starts the next link, so a function that invokes or
   * triggers itself forever fails at this depth instead (`eventChainDepth` in `@weft/core`).
   */
  maxRunChainDepth: number;
}

export const defaultLimits: Limits = {
  maxEventBytes: 512 * 1024,
  maxEventsPerRequest: 5000,
  maxEventDepth: 100,
  maxStepOutputBytes: 4 * 1024 * 1024,
  maxRunStateBytes: 32 * 1024 * 1024,
  maxSteps: 1000,
  maxBatchEvents: 100,
  maxRunChainDepth: 1000,
};

/** The CLI flag for each limit, quoted in every message that refuses something. */
export const limitFlags: Record<keyof Limits, string> = {
  maxEventBytes: "--max-event-bytes",
  maxEventsPerRequest: "--max-events-per-request",
  maxEventDepth: "--max-event-depth",
  maxStepOutputBytes: "--max-step-output-bytes",
  maxRunStateBytes: "--max-run-state-bytes",
  maxSteps: "--max-steps",
  maxBatchEvents: "--max-batch-events",
  maxRunChainDepth: "--max-run-chain-depth",
};

const maxDepthCap = 1000;

const limitNames: Record<keyof Limits, string> = {
  maxEventBytes: "event size",
  maxEventsPerRequest: "events-per-request",
  maxEventDepth: "nesting depth",
  maxStepOutputBytes: "step output",
  maxRunStateBytes: "run state",
  maxSteps: "steps-per-run",
  maxBatchEvents: "batch size",
  maxRunChainDepth: runChainDepthLimitName,
};

export function resolveLimits(given: Partial<Limits> = {}): Limits {
  const limits = { ...defaultLimits };
  for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${limitFlags[key]} must be a positive integer, not ${value}`);
    // Deeper values overflow the stack when serialised (JSON.stringify recurses).
    if (key === "maxEventDepth" && value > maxDepthCap) throw new RangeError(`${limitFlags[key]} can be at most ${maxDepthCap}, not ${value}`);
    limits[key] = value;
  }
  return limits;
}

/** "over the step output limit of 4 MiB (4194304 bytes); raise it with --max-step-output-bytes" */
export function overLimit(key: keyof Limits, limits: Limits): string {
  const value = limits[key];
  const shown = key.endsWith("Bytes") ? `${humanBytes(value)} (${value} bytes)` : String(value);
  return `over the ${limitNames[key]} limit of ${shown}; raise it with ${limitFlags[key]}`;
}

function humanBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

/** The error a run fails with when it passes a limit: non-retriable, since a retry would pass it again. */
export function limitError(message: string): SerializedError {
  return { name: "LimitExceeded", message };
}

/** Bytes of a run's events and stored results, as the run-state limit counts them. */
export function runStateBytes(state: RunState): number {
  let bytes = Buffer.byteLength(JSON.stringify(state.events));
  for (const value of state.steps.values()) bytes += Buffer.byteLength(value);
  return bytes;
}

/** The run's name of an op, as errors and the timeline show it. */
export function stepName(op: OutgoingOp): string {
  return op.displayName ?? op.userland?.id ?? op.name ?? op.id;
}

/** The step-output limit for one result of `bytes`. */
export function stepOutputError(op: OutgoingOp, bytes: number, limits: Limits): SerializedError | undefined {
  return bytes > limits.maxStepOutputBytes
    ? limitError(`step "${stepName(op)}" returned ${bytes} bytes, ${overLimit("maxStepOutputBytes", limits)}`)
    : undefined;
}

/** The steps-per-run limit, for a run that would have `steps` steps. */
export function stepCountError(runId: string, steps: number, limits: Limits): SerializedError | undefined {
  return steps > limits.maxSteps ? limitError(`run ${runId} reached ${steps} steps, ${overLimit("maxSteps", limits)}`) : undefined;
}

/** The run-state limit, for a run that would hold `total` bytes after `op`'s result. */
export function runStateError(runId: string, op: OutgoingOp, total: number, limits: Limits): SerializedError | undefined {
  return total > limits.maxRunStateBytes
    ? limitError(`run ${runId} would hold ${total} bytes of state after step "${stepName(op)}", ${overLimit("maxRunStateBytes", limits)}`)
    : undefined;
}

/**
 * How deeply `value` nests, counted without recursion (a hostile payload must not overflow the
 * stack here), stopping as soon as it passes `max`.
 */
export function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Check a request's events against the limits before anything is written. */
export function checkEventLimits(list: unknown[], limits: Limits): void {
  if (list.length > limits.maxEventsPerRequest) {
    throw new LimitExceededError(`${list.length} events in one request, ${overLimit("maxEventsPerRequest", limits)} (or send smaller requests)`);
  }
  for (const [i, e] of list.entries()) {
    const where = list.length > 1 ? `event ${i}` : "event";
    if (depthOver(e, limits.maxEventDepth)) {
      throw new LimitExceededError(`${where} nests objects and arrays ${overLimit("maxEventDepth", limits)}`);
    }
    const bytes = Buffer.byteLength(JSON.stringify(e) ?? "");
    if (bytes > limits.maxEventBytes) {
      throw new LimitExceededError(`${where} is ${bytes} bytes, ${overLimit("maxEventBytes", limits)}`);
    }
    // Weft's SDK stamps the events a run sends with the run's depth plus one (see `Limits`).
    const depth = e !== null && typeof e === "object" ? eventChainDepth(e) : 0;
    if (depth > limits.maxRunChainDepth) throw new LimitExceededError(`${where} ${chainDepthError(depth, limits).message}`);
  }
}

/**
 * The refusal of a link `depth` runs deep: "would start a run 1001 deep (each step.invoke and
 * step.sendEvent adds one: …), over the run chain depth limit of 1000; raise it with …".
 */
export function chainDepthError(depth: number, limits: Limits): SerializedError {
  return limitError(
    `would start a run ${depth} deep (each step.invoke and step.sendEvent adds one: does a function trigger itself in a loop?), ${overLimit("maxRunChainDepth", limits)}`,
  );
}

/** A run's chain depth: that of its deepest event. */
export function runChainDepth(events: readonly { data?: unknown }[]): number {
  let depth = 0;
  for (const e of events) depth = Math.max(depth, eventChainDepth(e));
  return depth;
}
