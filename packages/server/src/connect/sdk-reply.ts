import { headers as wire } from "@weft/core";
import { ResponseStatus, type SdkResponse } from "@weft/connect-protocol";
import { interpret, type DriverResponse } from "@weft/engine";

/**
 * A worker's `SDKResponse` as the executor's `DriverResponse`. The SDK maps its HTTP answer to a
 * status (200 → DONE, 206 → NOT_COMPLETED, 500 → ERROR) and carries the body, no-retry,
 * retry-after and request version; mapped back here, the HTTP driver's reading applies unchanged.
 * The SDK has no status for its 400 (a NonRetriableError thrown outside a step): it sends DONE
 * with no-retry set, which no successful answer carries, so that pair reads as the 400 it was.
 */
export function driverResponseOf(reply: SdkResponse): DriverResponse {
  const status = reply.status === ResponseStatus.NotCompleted ? 206 : reply.status === ResponseStatus.Error ? 500 : reply.noRetry ? 400 : 200;
  const found: Record<string, string | undefined> = {
    [wire.sdk]: reply.sdkVersion || "inngest-js",
    [wire.noRetry]: String(reply.noRetry),
    [wire.retryAfter]: reply.retryAfter,
    [wire.reqVersion]: reply.requestVersion ? String(reply.requestVersion) : undefined,
  };
  return interpret(status, (name) => found[name], new TextDecoder().decode(reply.body));
}
