/**
 * Rebuilding errors from the wire. The user-facing error classes (`NonRetriableError`,
 * `RetryAfterError`, `StepError`) live in `@weft/core` and are re-exported by the SDK.
 */
import { StepError } from "@weft/core";

/**
 * An `Error` from a serialized one, read leniently as inngest-js does: `{name?, message? | error?,
 * stack?}` is enough; anything else becomes the message.
 */
export function deserializeError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value !== "object" || value === null) {
    return new Error(typeof value === "string" ? value : "Unknown error");
  }
  const v = value as { name?: unknown; message?: unknown; error?: unknown; stack?: unknown; cause?: unknown };
  const message = typeof v.message === "string" ? v.message : typeof v.error === "string" ? v.error : "Unknown error";
  const error = new Error(message, v.cause === undefined ? undefined : { cause: deserializeError(v.cause) });
  error.name = typeof v.name === "string" ? v.name : "Error";
  error.stack = typeof v.stack === "string" ? v.stack : `${error.name}: ${message}`;
  return error;
}

/** The `StepError` thrown into user code for a step whose stored state is `{error}`. */
export function stepErrorFrom(stepId: string, serialized: unknown): StepError {
  return new StepError(stepId, deserializeError(serialized));
}
