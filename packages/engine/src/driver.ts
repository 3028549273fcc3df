import type { OutgoingOp, SerializedError } from "@weft/core";
import type { FunctionRecord } from "@weft/store";

/** One call of a function: the executor's request, already serialised. */
export interface DriverRequest {
  fn: FunctionRecord;
  runId: string;
  /** `step` for discovery, or the hashed id of one planned step. */
  stepId: string;
  /** The request version the run has agreed with the SDK (-1 until the SDK answers). */
  version: number;
  /** The JSON body (protocol §3), built once by the executor. */
  body: string;
  /** W3C trace context of this call's span in the run's trace, sent as `traceparent` (tracing on). */
  traceparent?: string;
}

/** What came back, in the executor's terms rather than HTTP's. */
export type DriverResponse =
  /** The function returned (HTTP 200, or 206 [RunComplete]). */
  | { type: "complete"; data: unknown; version?: number }
  /** The function reported ops (HTTP 206). */
  | { type: "ops"; ops: OutgoingOp[]; version?: number; noRetry: boolean; retryAfterMs?: number }
  /** The call failed: an error thrown outside steps, a bad response, or the network. */
  | { type: "error"; error: SerializedError; retriable: boolean; retryAfterMs?: number; version?: number };

/** How the executor reaches a function: over HTTP (the wire protocol) or in-process. */
export interface Driver {
  call(request: DriverRequest): Promise<DriverResponse>;
  close(): Promise<void>;
}
