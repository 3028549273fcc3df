import type { IncomingMessage } from "node:http";
import type { Engine } from "@weft/engine";
import { apiTokenAccepted, apiTokenRefusal } from "./api-token.js";
import { sdkAuthorized } from "./auth.js";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /v1/signals` `{ signal, data }`: resume the run waiting in `step.waitForSignal` on that
 * signal, as Inngest's REST API does for `inngest.sendSignal` and `step.sendSignal`. Answers
 * `{ data: { run_id } }`; 404 when no run waits on it (the SDK reads that as "no run resumed").
 * Callers are operators (the API token) or apps (the hashed signing key, as SDKs send it).
 */
export function signalRoute(router: Router, engine: Engine, opts: { signingKey?: string; apiToken?: string; maxBodyBytes: number }): void {
  router.on("POST", "/v1/signals", async ({ req, res }) => {
    if (!authorized(req, opts)) {
      sendJson(res, 401, apiTokenRefusal, { "www-authenticate": "Bearer" });
      return;
    }
    const parsed = parseJson(await readBody(req, opts.maxBodyBytes), Number.POSITIVE_INFINITY);
    const body = (parsed.ok ? parsed.value : undefined) as { signal?: unknown; data?: unknown } | undefined;
    if (!body || typeof body !== "object" || typeof body.signal !== "string" || body.signal === "") {
      sendJson(res, 400, { error: 'body must be {"signal": "<name>", "data": <any>}', status: 400 });
      return;
    }
    const runId = await engine.sendSignal(body.signal, body.data);
    if (runId === undefined) {
      sendJson(res, 404, { error: `no run is waiting for the signal ${JSON.stringify(body.signal)}`, status: 404 });
      return;
    }
    sendJson(res, 200, { data: { run_id: runId } });
  });
}

/** The API token (open without one, as the rest of `/v1/`), or an app's hashed signing key. */
function authorized(req: IncomingMessage, opts: { signingKey?: string; apiToken?: string }): boolean {
  return (opts.signingKey !== undefined && sdkAuthorized(req, opts.signingKey)) || apiTokenAccepted(req, opts.apiToken);
}
