import type { RunState } from "@weft/store";

/**
 * The call body of protocol §3, built as text: stored step values are spliced in as they were
 * saved, so a call never re-serialises the run's step results.
 */
export function buildCallBody(state: RunState, attempt: number, queueItemId: string): string {
  const { metadata } = state;
  const steps: string[] = [];
  for (const [id, value] of state.steps) steps.push(`${JSON.stringify(id)}:${value}`);
  const ctx = {
    run_id: metadata.runId,
    attempt,
    max_attempts: metadata.maxAttempts,
    // Never let the SDK run a step in-process while planned siblings are still pending (§6).
    disable_immediate_execution: state.pending.size > 0,
    use_api: false,
    stack: { stack: state.stack, current: state.stack.length },
    // With these two, v4 SDKs run steps in-process and checkpoint each result
    // (POST /v1/checkpoint/:runId/async) instead of one call per step.
    fn_id: metadata.functionId,
    qi_id: queueItemId,
  };
  const events = JSON.stringify(state.events);
  const event = JSON.stringify(state.events[0] ?? {});
  return `{"event":${event},"events":${events},"steps":{${steps.join(",")}},"version":${metadata.version},"use_api":false,"ctx":${JSON.stringify(ctx)}}`;
}
