import {
  InvalidInputError,
  NonRetriableError,
  RetryAfterError,
  RunNotFoundError,
  StateConflictError,
  StepError,
  StoreUnavailableError,
  WeftError,
  isWeftError,
} from "@weft/core";
import type { ErrorCode } from "@weft/core";

/**
 * An error as it crosses the wire: the core `code` (plus the fields some classes carry), so the
 * client rebuilds the same class and `isWeftError(e, StateConflictError)` holds on its side.
 * `UNAUTHORIZED` is the coordinator's own refusal of a missing or wrong token.
 */
export interface WireError {
  code: ErrorCode | "UNAUTHORIZED";
  message: string;
  /** The class name on the coordinator, for logs (the client rebuilds by `code`). */
  name?: string;
  /** `RetryAfterError.retryAfter`. */
  retryAfter?: string;
  /** `StepError.stepId`. */
  stepId?: string;
}

const statusByCode: Partial<Record<WireError["code"], number>> = {
  RUN_NOT_FOUND: 404,
  CONFLICT: 409,
  TOMBSTONE: 409,
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  STORE_UNAVAILABLE: 503,
};

/** The HTTP status a wire error is answered with: informative for curl, never used to rebuild. */
export function statusOf(error: WireError): number {
  return statusByCode[error.code] ?? 500;
}

/** What the coordinator answers for an error thrown by a backing store. */
export function toWireError(e: unknown): WireError {
  if (isWeftError(e, WeftError)) {
    const wire: WireError = { code: e.code, message: e.message, name: e.name };
    if (isWeftError(e, RetryAfterError)) wire.retryAfter = e.retryAfter;
    if (isWeftError(e, StepError)) wire.stepId = e.stepId;
    return wire;
  }
  // Not a Weft error: a bug or an unexpected failure in the backing store. Its class name goes in
  // the message, since the client can only rebuild a generic INTERNAL error from it.
  const name = e instanceof Error ? e.name : "Error";
  const message = e instanceof Error ? e.message : String(e);
  return { code: "INTERNAL", message: `${name}: ${message}`, name };
}

/**
 * The client's copy of a coordinator's error: the core class for its code, with the message as
 * the coordinator sent it (the constructors that build their own message are overwritten).
 */
export function fromWireError(wire: WireError): WeftError {
  const error = build(wire);
  error.message = wire.message;
  return error;
}

function build(wire: WireError): WeftError {
  switch (wire.code) {
    case "RUN_NOT_FOUND":
      return new RunNotFoundError("?");
    case "CONFLICT":
      return new StateConflictError("?", "?");
    case "STORE_UNAVAILABLE":
      return new StoreUnavailableError(wire.message);
    case "INVALID_INPUT":
      return new InvalidInputError(wire.message);
    case "NON_RETRIABLE":
      return new NonRetriableError(wire.message);
    case "RETRY_AFTER":
      return new RetryAfterError(wire.message, wire.retryAfter ?? "0");
    case "STEP_ERROR":
      return new StepError(wire.stepId ?? "?", { message: wire.message });
    case "TOMBSTONE":
      return new WeftError("TOMBSTONE", wire.message);
    case "UNAUTHORIZED":
      // Only reached when a 401 is not handled by the connection (it always is); kept total.
      return new StoreUnavailableError(wire.message);
    case "INTERNAL":
      return new WeftError("INTERNAL", wire.message);
    default:
      return unknownCode(wire);
  }
}

/**
 * A code this client has no class for (a newer core, an error class of the backend's own): a
 * `WeftError` with that code and the coordinator's class name, so `isWeftError(e, ThatClass)`,
 * which compares names, still holds wherever that class is known.
 */
function unknownCode(wire: WireError): WeftError {
  const error = new WeftError(wire.code as ErrorCode, wire.message);
  if (typeof wire.name === "string" && wire.name !== "") Object.defineProperty(error, "name", { value: wire.name });
  return error;
}

/** A body that parsed as JSON but may not be a wire error (a proxy's page, a truncated reply). */
export function asWireError(body: unknown, status: number): WireError {
  if (typeof body === "object" && body !== null) {
    const { code, message } = body as { code?: unknown; message?: unknown };
    if (typeof code === "string" && typeof message === "string") return body as WireError;
  }
  return { code: "INTERNAL", message: `unexpected HTTP ${status} answer: ${JSON.stringify(body)?.slice(0, 200)}` };
}
