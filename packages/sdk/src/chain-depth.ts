import { eventChainDepth, NonRetriableError, runChainDepthLimitName } from "@weft/core";
import type { ClientConfig } from "./config.js";
import { sendEvents, type EventInput } from "./send.js";

/**
 * `step.sendEvent`: send events stamped with the sending run's chain depth plus one
 * (`data._inngest.depth`, the one part of `_inngest` the server keeps from a sender), so a
 * function that triggers itself in a loop meets the server's `--max-run-chain-depth`. That refusal
 * will not pass on a retry, so it fails the step for good.
 */
export async function sendFromRun(config: ClientConfig, events: readonly EventInput[], runEvents: readonly unknown[]): Promise<{ ids: string[] }> {
  let depth = 0;
  for (const e of runEvents) if (e !== null && typeof e === "object") depth = Math.max(depth, eventChainDepth(e));
  // Bad data is left as it is, for the server to refuse as it would any event.
  const stamped = events.map((e) =>
    e?.data === undefined || isObject(e.data) ? { ...e, data: { ...(e.data as object | undefined), _inngest: { depth: depth + 1 } } } : e,
  );
  try {
    return await sendEvents(config, stamped);
  } catch (err) {
    if (err instanceof Error && err.message.includes(`${runChainDepthLimitName} limit`)) throw new NonRetriableError(err.message, { cause: err });
    throw err;
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
