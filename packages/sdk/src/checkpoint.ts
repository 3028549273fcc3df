import { hashSigningKey, headers, type OutgoingOp } from "@weft/core";
import type { ClientConfig } from "./config.js";
import { sdkHeader } from "./constants.js";
import type { ExecutionRequest } from "./execution.js";
import { postToServer, serverUrl } from "./server-post.js";

/**
 * `POST {baseUrl}/v1/checkpoint/{runId}/async` with one step's result (protocol §11): true once
 * the server has saved it. Anything else (a refusal, a stale dispatch, the server out of reach)
 * answers false, and the caller falls back to returning the result in its response.
 */
export async function checkpointStep(config: ClientConfig, request: ExecutionRequest, op: OutgoingOp): Promise<boolean> {
  const target = request.checkpointTarget;
  if (!target) return false;
  const url = serverUrl(config.baseUrl, `v1/checkpoint/${encodeURIComponent(request.runId)}/async`);
  const requestHeaders: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": sdkHeader,
    [headers.sdk]: sdkHeader,
  };
  if (config.signingKey) requestHeaders.authorization = `Bearer ${hashSigningKey(config.signingKey)}`;
  const body = JSON.stringify({ run_id: request.runId, fn_id: target.fnId, qi_id: target.queueItemId, attempt: request.attempt, steps: [op], ts: Date.now() });
  try {
    return (await postToServer(config, url, requestHeaders, body)).status === 200;
  } catch {
    return false;
  }
}
