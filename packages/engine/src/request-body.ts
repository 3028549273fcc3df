import type { RunState } from "@weft/store";

/**
 * The call body of protocol §3, built as text: stored step values are spliced in as they were
 * saved, so a call never re-serialises the run's step results.
 *
 * `stackLength` (a planned step's call, protocol §6): send only the first `stackLength` results of
 * the stack, the state the SDK had when it planned the step. Replaying them deterministically
 * reaches the step again; the results of siblings that finished since would only be parsed and
 * replayed for nothing (each one more tick of the SDK's replay), which made a fan-out of n steps
 * cost O(n²) in bytes and SDK work. The stack is in completion order and only grows, so those
 * first results are exactly the ones saved before the step was planned.
 */
export function buildCallBody(state: RunState, attempt: number, queueItemId: string, stackLength?: number): string {
  const { metadata } = state;
  const prefix = stackLength !== undefined && stackLength >= 0 && stackLength < state.stack.length;
  const stack = prefix ? state.stack.slice(0, stackLength) : state.stack;
  const steps: string[] = [];
  if (prefix) for (const id of stack) steps.push(`${JSON.stringify(id)}:${state.steps.get(id) ?? "null"}`);
  else for (const [id, value] of state.steps) steps.push(`${JSON.stringify(id)}:${value}`);
  const ctx = {
    run_id: metadata.runId,
    attempt,
    max_attempts: metadata.maxAttempts,
    // Never let the SDK run a step in-process while planned siblings are still pending (§6).
    disable_immediate_execution: state.pending.size > 0,
    use_api: false,
    stack: { stack, current: stack.length },
    // With these two, v4 SDKs run steps in-process and checkpoint each result
    // (POST /v1/checkpoint/:runId/async) instead of one call per step. Not on a retry: a call at
    // attempt > 0 runs the step it retries and answers its result (as `inngest` does there even
    // when offered), and the executor calls again at attempt 0. Had it checkpointed and gone on,
    // the steps after it would run at the retried step's attempt and lose retries of their own.
    ...(attempt > 0 ? {} : { fn_id: metadata.functionId, qi_id: queueItemId }),
    // Weft's own: @weft/sdk may run several new parallel steps in this call and answer all their
    // results in one 206 (docs/inngest-protocol.md §6). Other SDKs ignore it.
    weft_parallel_steps: true,
  };
  const { event, events } = eventsText(state.events);
  return `{"event":${event},"events":${events},"steps":{${steps.join(",")}},"version":${metadata.version},"use_api":false,"ctx":${JSON.stringify(ctx)}}`;
}

/** Each loaded state's events as text, serialised once for all of a job's calls (`event` is the first of `events`). */
const eventsTexts = new WeakMap<RunState["events"], { event: string; events: string }>();
function eventsText(list: RunState["events"]): { event: string; events: string } {
  let text = eventsTexts.get(list);
  if (!text) {
    const each = list.map((e) => JSON.stringify(e));
    text = { event: each[0] ?? "{}", events: `[${each.join(",")}]` };
    eventsTexts.set(list, text);
  }
  return text;
}
