import { internalEventPrefix, internalEvents, type WeftEvent } from "@weft/core";

/**
 * Which triggers an internal event (`inngest/…`) may start, so that no run's own lifecycle events
 * start it again and no app sees another's internal events by accident:
 *
 * - `*` (and any wildcard not under `inngest/`) never matches an internal event, as in Inngest;
 * - a wildcard under `inngest/` (`inngest/*`, `inngest/function.*`) matches the internal events
 *   of its own app's functions only;
 * - an exact name (`inngest/function.failed`) matches them from every app: asking by name is
 *   asking for them;
 * - and never the finished, failed or cancelled event of the function's own runs.
 *
 * Runs started by a lifecycle event emit none themselves (`emitsLifecycleEvents`), so two
 * functions triggered by each other's ends cannot ping-pong either.
 */

const lifecycleNames: ReadonlySet<string> = new Set([internalEvents.functionFinished, internalEvents.functionFailed, internalEvents.functionCancelled]);

export function isInternalEvent(name: string): boolean {
  return name.startsWith(internalEventPrefix);
}

/** `inngest/function.finished`, `.failed`, `.cancelled`: the events a run's end emits. */
export function isLifecycleEvent(name: string): boolean {
  return lifecycleNames.has(name);
}

/** Whether a wildcard trigger with this prefix (`app/` for `app/*`) ever sees internal events. */
export function wildcardSeesInternal(prefix: string): boolean {
  return prefix.startsWith(internalEventPrefix);
}

/** The function whose run an internal event reports on (`data.function_id`), if any. */
export function sourceFunctionOf(event: WeftEvent): string | undefined {
  const id = event.data.function_id;
  return typeof id === "string" ? id : undefined;
}

/**
 * Whether `fn` (of app `appId`) may be started by internal `event`, matched by a wildcard or by
 * its exact name; `sourceAppId` is the app of the function the event reports on.
 */
export function deliversInternal(event: WeftEvent, fn: { id: string; appId: string }, wildcard: boolean, sourceAppId: string | undefined): boolean {
  const source = sourceFunctionOf(event);
  if (isLifecycleEvent(event.name) && source === fn.id) return false;
  return !wildcard || (sourceAppId !== undefined && sourceAppId === fn.appId);
}

/** Inngest's rule: a run started by a lifecycle event emits none, so ends cannot chain forever. */
export function emitsLifecycleEvents(events: readonly WeftEvent[]): boolean {
  return !events.some((e) => isLifecycleEvent(e.name));
}
