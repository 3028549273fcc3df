/**
 * A function as `createFunction` builds it: its options, triggers and handler, and the
 * `FunctionConfig` entries it registers (protocol §1.2).
 */
import { internalEvents } from "@weft/core";
import type { FunctionConfig, Trigger } from "@weft/core";
import type { ClientConfig } from "./config.js";
import { discoveryStepId, failureSuffix } from "./constants.js";
import { timeStr } from "./time-str.js";
import type { FunctionOptions, Invocable, Logger, StepTools, TriggerInput } from "./types.js";

/** The handler context before types: what the execution builds at runtime. */
export interface RawContext {
  event: unknown;
  events: unknown[];
  step: StepTools<unknown>;
  runId: string;
  attempt: number;
  logger: Logger;
  error?: Error;
}

export type RawHandler = (ctx: RawContext) => unknown;

/** @internal Everything a function is made of, with the handler types erased. */
export interface FunctionDefinition {
  options: Omit<FunctionOptions<unknown, unknown>, "onFailure">;
  triggers: readonly TriggerInput[];
  handler: RawHandler;
  onFailure: RawHandler | undefined;
  config: ClientConfig;
}

/** Flow-control options sent to the server exactly as given (they are already in Inngest's shapes). */
const passthroughOptions = ["concurrency", "idempotency", "batchEvents", "rateLimit", "throttle", "debounce", "singleton", "priority", "timeouts"] as const;

function wireTrigger(trigger: TriggerInput): Trigger {
  if ("event" in trigger) return trigger.if ? { event: trigger.event, expression: trigger.if } : { event: trigger.event };
  return trigger.jitter ? { cron: trigger.cron, jitter: trigger.jitter } : { cron: trigger.cron };
}

function stepUrl(serveUrl: string, fnId: string): string {
  const url = new URL(serveUrl);
  url.searchParams.set("fnId", fnId);
  url.searchParams.set("stepId", discoveryStepId);
  return url.href;
}

function steps(serveUrl: string, fnId: string, retries: number | undefined): FunctionConfig["steps"] {
  return {
    step: {
      id: discoveryStepId,
      name: discoveryStepId,
      runtime: { type: "http", url: stepUrl(serveUrl, fnId) },
      ...(retries === undefined ? {} : { retries: { attempts: retries } }),
    },
  };
}

/**
 * A durable function. `TData` is the data it can be invoked with and `TOutput` its (JSON)
 * result, both for `step.invoke`.
 */
export class WeftFunction<TData = unknown, TOutput = unknown> implements Invocable<TData, TOutput> {
  declare readonly __types?: { data: TData; output: TOutput };
  /** The id given to `createFunction`. */
  readonly id: string;
  readonly name: string;
  /** @internal */
  readonly definition: FunctionDefinition;

  constructor(definition: FunctionDefinition) {
    const { id } = definition.options;
    if (typeof id !== "string" || id === "") throw new Error("Weft: createFunction needs an `id`");
    if (definition.triggers.length === 0) throw new Error(`Weft: function "${id}" needs at least one trigger`);
    for (const t of definition.triggers) {
      if (!("event" in t && t.event) && !("cron" in t && t.cron)) {
        throw new Error(`Weft: function "${id}" has a trigger with neither an event nor a cron`);
      }
    }
    this.id = id;
    this.name = definition.options.name ?? id;
    this.definition = definition;
  }

  /** The id on the wire: `<appId>-<fnId>`. */
  get compositeId(): string {
    return `${this.definition.config.appId}-${this.id}`;
  }

  invokeId(): string {
    return this.compositeId;
  }

  /** The register entries: this function, plus `<id>-failure` when it has an `onFailure`. */
  getConfig(serveUrl: string): FunctionConfig[] {
    const { options } = this.definition;
    const id = this.compositeId;
    const fn: FunctionConfig = {
      id,
      name: this.name,
      triggers: this.definition.triggers.filter((t) => !("event" in t && t.event === internalEvents.functionInvoked)).map(wireTrigger),
      steps: steps(serveUrl, id, options.retries),
    };
    for (const key of passthroughOptions) if (options[key] !== undefined) fn[key] = options[key];
    if (options.cancelOn) {
      fn.cancel = options.cancelOn.map(({ event, match, if: expression, timeout }) => ({
        event,
        ...(match ? { if: `event.${match} == async.${match}` } : expression ? { if: expression } : {}),
        ...(timeout === undefined ? {} : { timeout: timeStr(timeout) }),
      }));
    }
    if (!this.definition.onFailure) return [fn];
    const failureId = `${id}${failureSuffix}`;
    return [
      fn,
      {
        id: failureId,
        name: `${this.name} (failure)`,
        triggers: [{ event: internalEvents.functionFailed, expression: `event.data.function_id == '${id}'` }],
        steps: steps(serveUrl, failureId, 1),
      },
    ];
  }
}

/**
 * A function to `step.invoke` by id, e.g. one served by another app. Give the types it is
 * invoked with and resolves to; `appId` defaults to the invoking app.
 */
export function referenceFunction<TData = Record<string, unknown>, TOutput = unknown>(options: {
  functionId: string;
  appId?: string;
}): Invocable<TData, TOutput> {
  return { invokeId: (currentAppId) => `${options.appId ?? currentAppId}-${options.functionId}` };
}
