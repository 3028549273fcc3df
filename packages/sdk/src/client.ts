import { resolveConfig } from "./config.js";
import type { ClientConfig, WeftOptions } from "./config.js";
import { WeftFunction } from "./function.js";
import type { RawHandler } from "./function.js";
import { getSubscriptionToken, publish, subscribe, type TopicRef } from "./realtime.js";
import { sendEvents, sendSignal } from "./send.js";
import type { EventInput } from "./send.js";
import type { FunctionOptions, FunctionOutput, HandlerContext, InvokeData, SendPayload, TriggerEvent, TriggerInput } from "./types.js";

type Handler<S, E, R> = (ctx: HandlerContext<S, E>) => R;

/**
 * A Weft app: creates functions and sends events. `S` is the event schema record given through
 * `schemas`, which types triggers, `event.data`, `waitForEvent` and `send`.
 */
export class Weft<S = Record<never, never>> {
  /** The app id. */
  readonly id: string;
  /** @internal Resolved settings (base URL, keys, mode) shared with functions and serve handlers. */
  readonly config: ClientConfig;

  /**
   * Realtime, as the official SDK's `inngest.realtime`: `publish` a message (from a function, or
   * any backend code; pass the run id to tag it), `token` for a subscription token, `subscribe`.
   */
  readonly realtime = {
    publish: <TData>(ref: TopicRef<TData>, data: TData, opts: { runId?: string } = {}) => publish(this.config, ref, data, opts.runId),
    token: (args: Parameters<typeof getSubscriptionToken>[1]) => getSubscriptionToken(this, args),
    subscribe: subscribe,
  };

  constructor(options: WeftOptions<S>) {
    this.config = resolveConfig(options);
    this.id = this.config.appId;
  }

  /** `createFunction({ id, ...options }, trigger | triggers, handler)` */
  createFunction<const T extends TriggerInput | readonly TriggerInput[], R>(
    options: FunctionOptions<S, TriggerEvent<S, T>>,
    trigger: T,
    handler: Handler<S, TriggerEvent<S, T>, R>,
  ): WeftFunction<InvokeData<TriggerEvent<S, T>>, FunctionOutput<R>>;
  /** `createFunction({ id, triggers: [...], ...options }, handler)` */
  createFunction<const T extends readonly TriggerInput[], R>(
    options: FunctionOptions<S, TriggerEvent<S, T>> & { triggers: T },
    handler: Handler<S, TriggerEvent<S, T>, R>,
  ): WeftFunction<InvokeData<TriggerEvent<S, T>>, FunctionOutput<R>>;
  createFunction(
    options: FunctionOptions<S, never> & { triggers?: readonly TriggerInput[] },
    triggerOrHandler: TriggerInput | readonly TriggerInput[] | Handler<S, never, unknown>,
    maybeHandler?: Handler<S, never, unknown>,
  ): WeftFunction<unknown, unknown> {
    const handler = typeof triggerOrHandler === "function" ? triggerOrHandler : maybeHandler;
    if (typeof handler !== "function") throw new Error(`Weft: function "${options.id}" needs a handler`);
    const triggers =
      typeof triggerOrHandler === "function"
        ? (options.triggers ?? [])
        : Array.isArray(triggerOrHandler)
          ? (triggerOrHandler as readonly TriggerInput[])
          : [triggerOrHandler as TriggerInput];
    const { onFailure, triggers: _triggers, ...rest } = options;
    return new WeftFunction({
      options: rest,
      triggers,
      handler: handler as unknown as RawHandler,
      onFailure: onFailure as unknown as RawHandler | undefined,
      config: this.config,
    });
  }

  /** Send one or more events: `POST {baseUrl}/e/{eventKey}`. Resolves to their ids, in order. */
  send(payload: SendPayload<S> | readonly SendPayload<S>[]): Promise<{ ids: string[] }> {
    const events = (Array.isArray(payload) ? payload : [payload]) as readonly EventInput[];
    return sendEvents(this.config, events);
  }

  /**
   * Resume the run waiting in `step.waitForSignal` on `signal`: `POST {baseUrl}/v1/signals`.
   * Resolves to its run id, or to `{ runId: undefined }` when no run waits on the signal.
   */
  sendSignal({ signal, data }: { signal: string; data?: unknown }): Promise<{ runId: string | undefined }> {
    return sendSignal(this.config, signal, data);
  }
}
