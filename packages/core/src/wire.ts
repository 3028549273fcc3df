/**
 * The Inngest wire protocol as types: what the server and an SDK exchange. Field names follow the
 * wire exactly (see docs/inngest-protocol.md, cited as "protocol §N"), including snake_case where it is used.
 */
import type { SerializedError } from "./errors.js";

/** An event as stored and as handed to functions. */
export interface WeftEvent {
  id: string;
  name: string;
  data: Record<string, unknown>;
  user: Record<string, unknown>;
  ts: number;
  v?: string;
}

/** Event names the server emits itself; users may not send them. */
export const internalEvents = {
  functionFinished: "inngest/function.finished",
  functionFailed: "inngest/function.failed",
  functionCancelled: "inngest/function.cancelled",
  functionInvoked: "inngest/function.invoked",
  scheduledTimer: "inngest/scheduled.timer",
} as const;

/** The prefix of every internal event name: users may not send these, and `*` never matches them. */
export const internalEventPrefix = "inngest/";

/**
 * The run chain depth an event carries in `data._inngest.depth` (0 when absent): how many runs
 * stand between it and an event sent from outside. A run has the depth of its deepest event; each
 * `step.invoke` and each `step.sendEvent` adds one, and lifecycle events carry their run's depth
 * plus one, so a function that triggers itself in a loop meets the server's run chain depth limit.
 */
export function eventChainDepth(event: { data?: unknown }): number {
  const meta = (event.data as { _inngest?: { depth?: unknown } } | undefined)?._inngest;
  const depth = meta?.depth;
  return typeof depth === "number" && Number.isSafeInteger(depth) && depth > 0 ? depth : 0;
}

/** The name of the limit a run chain passes; the server's refusal says "over the run chain depth limit …". */
export const runChainDepthLimitName = "run chain depth";

export type Opcode =
  | "StepPlanned"
  | "StepRun"
  | "StepError"
  | "StepFailed"
  | "Sleep"
  | "WaitForEvent"
  | "InvokeFunction"
  | "RunComplete"
  | "DiscoveryRequest"
  | "AIGateway"
  | "Gateway"
  | "WaitForSignal"
  | "DeferAdd"
  | "DeferAbort"
  | "StepNotFound"
  | "None";

/** One op in a 206 response body. */
export interface OutgoingOp {
  id: string;
  op: Opcode;
  name?: string;
  displayName?: string;
  opts?: Record<string, unknown>;
  data?: unknown;
  error?: SerializedError;
  userland?: { id: string; index?: number };
}

export type Trigger = { event: string; expression?: string } | { cron: string; jitter?: string };

/** One function as an SDK registers it (`POST /fn/register`). */
export interface FunctionConfig {
  id: string;
  name?: string;
  triggers: Trigger[];
  steps: {
    step: {
      id: string;
      name: string;
      runtime: { type: "http" | "ws"; url: string };
      /** The number of RETRIES (attempts - 1). */
      retries?: { attempts: number };
    };
  };
  cancel?: { event: string; if?: string; timeout?: string }[];
  [option: string]: unknown;
}

export interface RegisterRequest {
  url: string;
  deployType?: string;
  framework?: string;
  appName: string;
  appVersion?: string;
  sdk?: string;
  v?: string;
  deployId?: string;
  capabilities?: Record<string, string>;
  functions: FunctionConfig[];
}

/** The body the server POSTs to a step URL. */
export interface CallRequest {
  event: WeftEvent;
  events: WeftEvent[];
  steps: Record<string, unknown>;
  version: number;
  use_api: false;
  ctx: {
    run_id: string;
    fn_id?: string;
    attempt: number;
    max_attempts: number;
    disable_immediate_execution: boolean;
    use_api: false;
    stack: { stack: string[]; current: number };
    env?: string;
  };
}

/**
 * The `stepId` of a discovery call (protocol §3): "run the function from the top and report or run
 * the next step". Any other `stepId` names one planned step to run. It is also the id of the one
 * step every function registers (`steps.step`).
 */
export const discoveryStepId = "step";

/** Wire headers both sides read. */
export const headers = {
  sdk: "x-inngest-sdk",
  signature: "x-inngest-signature",
  noRetry: "x-inngest-no-retry",
  retryAfter: "retry-after",
  reqVersion: "x-inngest-req-version",
  serverKind: "x-inngest-server-kind",
  expectedServerKind: "x-inngest-expected-server-kind",
  syncKind: "x-inngest-sync-kind",
  framework: "x-inngest-framework",
  eventIdSeed: "x-inngest-event-id-seed",
  runId: "x-run-id",
  stepId: "x-inngest-step-id",
} as const;
