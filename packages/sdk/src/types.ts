/**
 * The SDK's public types: events typed from an `EventSchemas` record, triggers, the handler
 * context and its step tools, and function options. `S` is always the schema record
 * (`{ "app/user.created": { data: {...}; user?: {...} } }`); `{}` means "no schemas".
 */
import type { SerializedError } from "@weft/core";
import type { Jsonify, Simplify } from "./jsonify.js";
import type { TopicRef } from "./realtime.js";

/** One entry of a schema record: the shape of an event's `data` and `user`. */
export interface EventSchemaEntry {
  data?: unknown;
  user?: unknown;
}

/** A time string (`"1h30m"`), a number of milliseconds, or (where a point in time fits) a Date. */
export type TimeInput = string | number | Date;

type Entry<S, N extends string> = N extends keyof S ? S[N] : Record<never, never>;

// Each helper checks `"key" extends keyof X` first: `X extends { key?: … }` alone fails for an
// entry without that key (TypeScript's weak-type check), which would turn the event into never.

type ReceivedData<X> = "data" extends keyof X
  ? X extends { data?: infer D }
    ? unknown extends D
      ? Record<string, unknown>
      : Exclude<D, undefined>
    : never
  : Record<string, unknown>;

type UserField<X, Fallback> = "user" extends keyof X
  ? X extends { user: infer U }
    ? { user: U }
    : X extends { user?: infer U }
      ? unknown extends U
        ? Fallback
        : { user?: Exclude<U, undefined> }
      : never
  : Fallback;

/** An event as a function receives it, typed from the schema entry for `N` when there is one. */
export type ReceivedEvent<S, N extends string> = N extends string
  ? Simplify<{ name: N; id: string; ts: number; v?: string; data: ReceivedData<Entry<S, N>> } & UserField<Entry<S, N>, { user: Record<string, unknown> }>>
  : never;

type SendData<X> = "data" extends keyof X
  ? X extends { data: infer D }
    ? { data: D }
    : X extends { data?: infer D }
      ? unknown extends D
        ? { data?: Record<string, unknown> }
        : { data?: D }
      : never
  : { data?: Record<string, unknown> };

/** An event to send with name `N`: `id` and `ts` are optional, `data` is required if the schema says so. */
export type EventPayload<S, N extends string> = N extends string
  ? Simplify<{ name: N; id?: string; ts?: number; v?: string } & SendData<Entry<S, N>> & UserField<Entry<S, N>, { user?: Record<string, unknown> }>>
  : never;

/** Any event this client may send: one of the schema's events, or any name when there are no schemas. */
export type SendPayload<S> = [keyof S & string] extends [never] ? EventPayload<S, string> : { [N in keyof S & string]: EventPayload<S, N> }[keyof S & string];

/** The event a cron trigger delivers. */
export interface CronEvent {
  name: "inngest/scheduled.timer";
  id: string;
  ts: number;
  data: { cron: string; [key: string]: unknown };
  user: Record<string, unknown>;
}

/** Trigger on an event; `if` is a CEL expression over `event`. */
export interface EventTrigger<N extends string = string> {
  event: N;
  if?: string;
}

/** Trigger on a cron schedule. */
export interface CronTrigger {
  cron: string;
  jitter?: string;
}

export type TriggerInput = EventTrigger | CronTrigger;

/** `"app/*"` names every schema event starting with `app/` (or stays as is when none does). */
type ExpandWildcard<S, N extends string> = N extends `${infer P}*`
  ? [Extract<keyof S, `${P}${string}`>] extends [never]
    ? N
    : Extract<keyof S, `${P}${string}`> & string
  : N;

type OneTriggerEvent<S, T> = T extends { event: infer N extends string }
  ? ReceivedEvent<S, ExpandWildcard<S, N>>
  : T extends { cron: string }
    ? CronEvent
    : never;

/** The event type a trigger (or list of triggers) hands to the handler. */
export type TriggerEvent<S, T> = T extends readonly (infer U)[] ? OneTriggerEvent<S, U> : OneTriggerEvent<S, T>;

/** The `inngest/function.failed` event an `onFailure` handler receives. */
export interface FailureEvent<E> {
  name: "inngest/function.failed";
  id: string;
  ts: number;
  user: Record<string, unknown>;
  data: { function_id: string; run_id: string; error: SerializedError; event: E; [key: string]: unknown };
}

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Something `step.invoke` can call: a function of this or another app, or a `referenceFunction`. */
export interface Invocable<TData, TOutput> {
  /** @internal Carries the types only; never set. */
  readonly __types?: { data: TData; output: TOutput };
  /** The composite id (`<appId>-<fnId>`); `currentAppId` fills in a reference without an app. */
  invokeId(currentAppId: string): string;
}

export interface WaitForEventOptions<N extends string> {
  event: N;
  /** A dotted path both events must agree on: `"data.userId"`. */
  match?: string;
  /** A CEL expression over `event` (the trigger) and `async` (the candidate). */
  if?: string;
  timeout: TimeInput;
}

export interface WaitForSignalOptions {
  /** The signal's name; `sendSignal({ signal })` or `POST /v1/signals` with it resumes the run. */
  signal: string;
  timeout: TimeInput;
  /** When another run already waits on this signal: `"replace"` takes it over, `"fail"` fails this run. */
  onConflict?: "replace" | "fail";
}

/** What `step.waitForSignal` resolves to when the signal arrives. */
export interface ReceivedSignal<D = unknown> {
  signal: string;
  data: D;
}

export interface InvokeOptions<TData, TOutput> {
  function: Invocable<TData, TOutput>;
  data: TData;
  user?: Record<string, unknown>;
  timeout?: TimeInput;
}

/** The durable step tools handed to every handler. */
export interface StepTools<S> {
  /** Run `fn` once; later replays resolve to its stored (JSON) result. */
  run<F extends (...args: never[]) => unknown>(id: string, fn: F, ...input: Parameters<F>): Promise<Jsonify<Awaited<ReturnType<F>>>>;
  /** Pause for a duration: a time string (`"1h"`) or milliseconds. */
  sleep(id: string, duration: string | number): Promise<void>;
  /** Pause until a point in time. */
  sleepUntil(id: string, until: Date | string | number): Promise<void>;
  /** Wait for an event; resolves to it, or to `null` on timeout. */
  waitForEvent<N extends string>(id: string, options: WaitForEventOptions<N>): Promise<ReceivedEvent<S, N> | null>;
  /** Wait for a signal; resolves to `{ signal, data }`, or to `null` on timeout. */
  waitForSignal<D = unknown>(id: string, options: WaitForSignalOptions): Promise<ReceivedSignal<Jsonify<D>> | null>;
  /** Realtime: `publish` a message on a channel's topic as a step (published once, however often the function replays). */
  realtime: { publish<TData>(id: string, ref: TopicRef<TData>, data: TData): Promise<Jsonify<TData>> };
  /** Send events as a step (sent once, however often the function replays). */
  sendEvent(id: string, payload: SendPayload<S> | readonly SendPayload<S>[]): Promise<{ ids: string[] }>;
  /** Run another function and resolve to its result; its failure throws a `StepError`. */
  invoke<TData, TOutput>(id: string, options: InvokeOptions<TData, TOutput>): Promise<TOutput>;
}

interface BaseContext<S> {
  step: StepTools<S>;
  runId: string;
  /** 0-based attempt of this request. */
  attempt: number;
  /** Logs, silenced while memoized steps are being replayed. */
  logger: Logger;
}

export interface HandlerContext<S, E> extends BaseContext<S> {
  event: E;
  events: E[];
}

export interface FailureContext<S, E> extends BaseContext<S> {
  event: FailureEvent<E>;
  events: FailureEvent<E>[];
  /** The failed run's error, rebuilt from `event.data.error`. */
  error: Error;
}

export interface ConcurrencyOption {
  limit: number;
  key?: string;
  scope?: "fn" | "env" | "account";
}

export interface CancelOn {
  event: string;
  /** A dotted path the cancelling event must share with the trigger: `"data.userId"`. */
  match?: string;
  if?: string;
  timeout?: TimeInput;
}

/** Options of `createFunction`; flow control is passed to the server in the Inngest shapes. */
export interface FunctionOptions<S, E> {
  id: string;
  name?: string;
  /** Number of retries (attempts - 1); the server's default is 4. */
  retries?: number;
  onFailure?: (ctx: FailureContext<S, E>) => unknown;
  cancelOn?: readonly CancelOn[];
  concurrency?: number | ConcurrencyOption | readonly ConcurrencyOption[];
  idempotency?: string;
  batchEvents?: { maxSize: number; timeout: string; key?: string; if?: string };
  rateLimit?: { limit: number; period: string; key?: string };
  throttle?: { limit: number; period: string; key?: string; burst?: number };
  debounce?: { period: string; key?: string; timeout?: string };
  singleton?: { mode: "skip" | "cancel"; key?: string };
  priority?: { run?: string };
  timeouts?: { start?: string; finish?: string };
}

/** The data a function is invoked with: the `data` of its trigger event(s). */
export type InvokeData<E> = E extends { data: infer D } ? D : never;

/** What a handler's return value becomes for an invoking parent. */
export type FunctionOutput<R> = Jsonify<Awaited<R>>;
