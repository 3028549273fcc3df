/**
 * The `step` object handed to handlers. Each tool only describes its step (a `StepSpec`) and
 * hands it to the execution, which decides whether to resolve it from memo, run it, or report it.
 */
import type { Opcode } from "@weft/core";
import type { TopicRef } from "./realtime.js";
import type { EventInput } from "./send.js";
import { isoString, timeStr } from "./time-str.js";
import type { InvokeOptions, StepTools, WaitForEventOptions, WaitForSignalOptions } from "./types.js";

/** A step as a tool describes it, before the execution gives it a hashed id. */
export interface StepSpec {
  /** The user's id, before collision suffixes and hashing. */
  id: string;
  /** The op reported when the step is found but not run here. */
  op: Extract<Opcode, "StepPlanned" | "Sleep" | "WaitForEvent" | "WaitForSignal" | "InvokeFunction">;
  /** Wire `name` (a duration, an event name); the user id when absent. */
  name?: string;
  opts?: Record<string, unknown>;
  /** Present for steps the SDK runs itself (`step.run`, `step.sendEvent`). */
  run?: (...input: unknown[]) => unknown;
  input?: unknown[];
}

export interface StepToolDeps {
  /** Hand a found step to the execution; resolves or rejects with the step's outcome. */
  register(spec: StepSpec): Promise<unknown>;
  send(events: readonly EventInput[]): Promise<{ ids: string[] }>;
  /** Publish a realtime message from this run. */
  publish(ref: TopicRef, data: unknown): Promise<void>;
  /** The serving app's id, for `referenceFunction`s without one. */
  appId: string;
}

function checkId(id: unknown): string {
  if (typeof id !== "string" || id === "") throw new Error("Weft: every step needs a non-empty string id");
  return id;
}

export function createStepTools<S>(deps: StepToolDeps): StepTools<S> {
  const { register } = deps;
  const tools = {
    run(id: string, fn: (...input: unknown[]) => unknown, ...input: unknown[]) {
      if (typeof fn !== "function") throw new Error(`Weft: step.run("${id}") needs a function`);
      return register({
        id: checkId(id),
        op: "StepPlanned",
        run: fn,
        input,
        ...(input.length > 0 ? { opts: { input } } : {}),
      });
    },

    sleep(id: string, duration: string | number) {
      return register({ id: checkId(id), op: "Sleep", name: timeStr(duration) }).then(() => undefined);
    },

    sleepUntil(id: string, until: Date | string | number) {
      return register({ id: checkId(id), op: "Sleep", name: isoString(until) }).then(() => undefined);
    },

    waitForEvent(id: string, options: WaitForEventOptions<string>) {
      const opts: Record<string, unknown> = { timeout: timeStr(options.timeout) };
      if (options.match) opts.if = `event.${options.match} == async.${options.match}`;
      else if (options.if) opts.if = options.if;
      return register({ id: checkId(id), op: "WaitForEvent", name: options.event, opts });
    },

    waitForSignal(id: string, options: WaitForSignalOptions) {
      if (typeof options?.signal !== "string" || options.signal === "") throw new Error(`Weft: step.waitForSignal("${id}") needs a non-empty \`signal\``);
      // The official SDK's wire shape: `name` and `opts.signal` carry the signal, `opts.conflict` the rule.
      const opts: Record<string, unknown> = { signal: options.signal, timeout: timeStr(options.timeout) };
      if (options.onConflict !== undefined) opts.conflict = options.onConflict;
      return register({ id: checkId(id), op: "WaitForSignal", name: options.signal, opts });
    },

    sendEvent(id: string, payload: EventInput | readonly EventInput[]) {
      const events = Array.isArray(payload) ? (payload as readonly EventInput[]) : [payload as EventInput];
      return register({ id: checkId(id), op: "StepPlanned", opts: { type: "step.sendEvent" }, run: () => deps.send(events) });
    },

    realtime: {
      /** Publish once, as a step (the official SDK's `step.realtime.publish`): replays do not publish again. */
      publish(id: string, ref: TopicRef, data: unknown) {
        return register({
          id: checkId(id),
          op: "StepPlanned",
          opts: { type: "step.realtime.publish" },
          run: async () => {
            await deps.publish(ref, data);
            return data ?? null;
          },
        });
      },
    },

    invoke(id: string, options: InvokeOptions<unknown, unknown>) {
      const payload: Record<string, unknown> = { data: options.data ?? {} };
      if (options.user !== undefined) payload.user = options.user;
      const opts: Record<string, unknown> = { function_id: options.function.invokeId(deps.appId), payload };
      if (options.timeout !== undefined) opts.timeout = timeStr(options.timeout);
      return register({ id: checkId(id), op: "InvokeFunction", opts });
    },
  };
  return tools as unknown as StepTools<S>;
}
