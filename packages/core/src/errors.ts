/**
 * Errors that cross package and process boundaries. Each carries a stable string `code`, so a
 * remote store client can rebuild the same class from the wire, and is recognised with
 * `isWeftError(e, Class)` through a `Symbol.for` brand rather than `instanceof`: an app and the
 * server may load two copies of this package.
 */
const brand = Symbol.for("weft.error");

export type ErrorCode =
  | "RUN_NOT_FOUND"
  | "CONFLICT"
  | "TOMBSTONE"
  | "STORE_UNAVAILABLE"
  | "INVALID_INPUT"
  | "LIMIT_EXCEEDED"
  | "NON_RETRIABLE"
  | "RETRY_AFTER"
  | "STEP_ERROR"
  | "INTERNAL";

export class WeftError extends Error {
  readonly [brand] = true;
  readonly code: ErrorCode;
  override readonly name: string = "WeftError";
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The store was asked about a run it does not hold. */
export class RunNotFoundError extends WeftError {
  override readonly name = "RunNotFoundError";
  constructor(runId: string) {
    super("RUN_NOT_FOUND", `run ${runId} not found`);
  }
}

/** A write-once value was written again with different bytes; the first value stands. */
export class StateConflictError extends WeftError {
  override readonly name = "StateConflictError";
  constructor(runId: string, stepId: string) {
    super("CONFLICT", `step ${stepId} of run ${runId} already holds a different result`);
  }
}

/** The backing store cannot be reached; the caller may retry later. */
export class StoreUnavailableError extends WeftError {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("STORE_UNAVAILABLE", message, options);
  }
}

/** Input from a user or an app that the server refuses; `message` names the problem. */
export class InvalidInputError extends WeftError {
  override readonly name = "InvalidInputError";
  constructor(message: string) {
    super("INVALID_INPUT", message);
  }
}

/**
 * Input over one of the server's configurable limits (event size, events per request, nesting
 * depth). The message names the limit and the flag that raises it; the server answers 413.
 */
export class LimitExceededError extends WeftError {
  override readonly name = "LimitExceededError";
  constructor(message: string) {
    super("LIMIT_EXCEEDED", message);
  }
}

/** Thrown by user code: fail the step (or function) at once, with no further retries. */
export class NonRetriableError extends WeftError {
  override readonly name = "NonRetriableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("NON_RETRIABLE", message, options);
  }
}

/** Thrown by user code: retry, but not before `retryAfter` (seconds, a Date, or a date string). */
export class RetryAfterError extends WeftError {
  override readonly name = "RetryAfterError";
  readonly retryAfter: string;
  constructor(message: string, retryAfter: number | string | Date, options?: { cause?: unknown }) {
    super("RETRY_AFTER", message, options);
    this.retryAfter =
      retryAfter instanceof Date ? retryAfter.toISOString() : typeof retryAfter === "number" ? String(Math.ceil(retryAfter / 1000)) : retryAfter;
  }
}

/** A step failed for good; thrown into user code where the step is awaited. */
export class StepError extends WeftError {
  override readonly name = "StepError";
  readonly stepId: string;
  constructor(stepId: string, error: { name?: string; message?: string; stack?: string }) {
    super("STEP_ERROR", error.message ?? "step failed", { cause: error });
    this.stepId = stepId;
  }
}

type ErrorClass<T> = abstract new (...args: never[]) => T;

/** Brand-based `instanceof`: true when `e` is a Weft error of this class, from any copy of core. */
export function isWeftError<T extends WeftError>(e: unknown, cls: ErrorClass<T>): e is T {
  if (typeof e !== "object" || e === null || !(brand in e)) return false;
  if ((cls as unknown) === WeftError) return true;
  return (e as { name?: unknown }).name === cls.name;
}

/** The JSON shape an error takes on the wire (Inngest's serialized error). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  __serialized?: true;
  cause?: unknown;
  [key: string]: unknown;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const out: SerializedError = { name: e.name, message: e.message, stack: e.stack, __serialized: true };
    if (e.cause !== undefined) out.cause = e.cause instanceof Error ? serializeError(e.cause) : e.cause;
    return out;
  }
  return { name: "Error", message: typeof e === "string" ? e : (JSON.stringify(e) ?? String(e)), __serialized: true };
}
