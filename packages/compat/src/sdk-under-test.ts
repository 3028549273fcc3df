// What the scenarios see of an official `inngest` SDK. The scenarios are written once against
// these structural types; each version's adapter (sdk-v4.ts, sdk-v3.ts) maps them onto the real
// package, whose generic types differ too much between v3 and v4 to share code directly.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";

export interface CompatEvent {
  name: string;
  id?: string;
  ts?: number;
  data: Record<string, unknown>;
  user?: Record<string, unknown>;
}

export interface SendPayload {
  name: string;
  data?: Record<string, unknown>;
  id?: string;
}

/** A function (or a `referenceFunction`) of the SDK under test; only its adapter looks inside. */
export interface CompatFunction {
  readonly __compatFunction: never;
}

/** A model for `step.ai.infer` (from `step.ai.models`); opaque to the scenarios. */
export interface CompatAiModel {
  readonly __compatAiModel: never;
}

/** The `step` tools the scenarios use; both SDK versions have all of them. */
export interface CompatStep {
  run<TArgs extends unknown[], TOut>(id: string, fn: (...args: TArgs) => TOut | Promise<TOut>, ...input: TArgs): Promise<TOut>;
  sleep(id: string, duration: string | number): Promise<void>;
  sleepUntil(id: string, until: Date | string): Promise<void>;
  waitForEvent(id: string, opts: { event: string; timeout: string; match?: string; if?: string }): Promise<CompatEvent | null>;
  sendEvent(id: string, payload: SendPayload | SendPayload[]): Promise<{ ids: string[] }>;
  invoke(id: string, opts: { function: CompatFunction; data?: Record<string, unknown>; timeout?: string }): Promise<unknown>;
  /** `step.waitForSignal` (v3 3.54 has it too, marked experimental): the signal's `{ signal, data }`, or null at the timeout. */
  waitForSignal(id: string, opts: { signal: string; timeout: string; onConflict: "replace" | "fail" }): Promise<unknown>;
  /** `step.fetch`: the SDK hands the request to the server as a `Gateway` op. */
  fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
  ai: {
    infer(id: string, opts: { model: CompatAiModel; body: Record<string, unknown> }): Promise<unknown>;
    models: { openai(opts: { model: string; apiKey?: string; baseUrl?: string }): CompatAiModel };
  };
}

export interface CompatContext {
  event: CompatEvent;
  events: CompatEvent[];
  runId: string;
  attempt: number;
  step: CompatStep;
  /** v4 only: `group.parallel({ mode: "race" }, …)`. */
  group?: { parallel<T>(opts: { mode: "race" }, callback: () => Promise<T>): Promise<T> };
}

export interface CompatFailureContext extends CompatContext {
  error: Error;
}

export type CompatTrigger = { event: string; if?: string } | { cron: string };

export type Retries = 0 | 1 | 2 | 3 | 4 | 5;

export interface CompatFunctionOptions {
  id: string;
  name?: string;
  retries?: Retries;
  cancelOn?: { event: string; match?: string; if?: string; timeout?: string }[];
  onFailure?: (ctx: CompatFailureContext) => unknown;
  checkpointing?: boolean;
  // Flow control, in the shapes the SDK documents (passed through unchanged).
  concurrency?: number | { limit: number; key?: string; scope?: "fn" | "env" | "account" };
  throttle?: { limit: number; period: string; key?: string; burst?: number };
  rateLimit?: { limit: number; period: string; key?: string };
  debounce?: { period: string; key?: string; timeout?: string };
  batchEvents?: { maxSize: number; timeout: string; key?: string };
  idempotency?: string;
  singleton?: { mode: "skip" | "cancel"; key?: string };
  timeouts?: { start?: string; finish?: string };
  priority?: { run?: string };
}

/** A request the SDK made to the server (`/fn/register`, `/e/:key`, `/v1/checkpoint/…`). */
export interface ApiCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface CompatClientOptions {
  id: string;
  /** The Weft server; used for both the API and events. */
  baseUrl: string;
  /** Dev mode (default) skips signature checks; `false` is cloud mode and needs `signingKey`. */
  isDev?: boolean;
  signingKey?: string;
  eventKey?: string;
  /** The client-wide default; v4 checkpoints unless told not to, v3 only when told to. */
  checkpointing?: boolean;
}

export interface CompatClient {
  readonly id: string;
  /** Every call the SDK made to the server, recorded through the client's `fetch` option. */
  readonly apiCalls: ApiCall[];
  createFunction(opts: CompatFunctionOptions, triggers: CompatTrigger[], handler: (ctx: CompatContext) => unknown): CompatFunction;
  send(payload: SendPayload | SendPayload[]): Promise<{ ids: string[] }>;
}

export type HonoHandler = (c: Context) => Promise<Response>;

/** An express middleware (typed without express's `any` defaults). */
export type ExpressHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface SdkUnderTest {
  /** e.g. `inngest@4.24.0`, used in test names and app ids. */
  label: string;
  major: 3 | 4;
  /** v4 checkpoints by default (async checkpointing); v3 only when asked. */
  checkpointsByDefault: boolean;
  createClient(opts: CompatClientOptions): CompatClient;
  referenceFunction(opts: { functionId: string; appId?: string }): CompatFunction;
  NonRetriableError: new (message: string) => Error;
  RetryAfterError: new (message: string, retryAfter: number | string | Date) => Error;
  StepError: abstract new (...args: never[]) => Error;
  /** `serve` from `inngest/express`. The app must parse JSON bodies (`express.json()`). */
  expressHandler(client: CompatClient, functions: CompatFunction[]): ExpressHandler;
  /** `serve` from `inngest/hono`. */
  honoHandler(client: CompatClient, functions: CompatFunction[]): HonoHandler;
  /** The options every adapter's `serve` takes (client, functions, and v3's signing key and fetch). */
  serveOptions(client: CompatClient, functions: CompatFunction[]): unknown;
}
