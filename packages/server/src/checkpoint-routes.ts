import type { OutgoingOp } from "@weft/core";
import type { Engine, Logger } from "@weft/engine";
import { sdkAuthorized } from "./auth.js";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /v1/checkpoint/:runId/async`: v4 SDKs post step results here while they run steps
 * in-process. 409 tells the SDK the dispatch is stale (the run ended, e.g. cancelled) so it stops.
 */
export function checkpointRoutes(router: Router, engine: Engine, opts: { maxBodyBytes: number; signingKey?: string; log: Logger }): void {
  router.on("POST", "/v1/checkpoint/:runId/async", async ({ req, res, params }) => {
    if (!sdkAuthorized(req, opts.signingKey)) {
      opts.log.warn("refused a checkpoint: the app's signing key differs from the server's --signing-key", { runId: params.runId });
      sendJson(res, 401, { error: "unauthorized: the app's signing key does not match the server's" });
      return;
    }
    const parsed = parseJson(await readBody(req, opts.maxBodyBytes));
    const body = parsed.ok ? (parsed.value as { steps?: unknown; attempt?: unknown } | null) : undefined;
    const steps = body?.steps;
    if (!Array.isArray(steps) || !steps.every((s) => s && typeof s === "object" && typeof (s as OutgoingOp).id === "string")) {
      sendJson(res, 400, { error: 'body must be {"steps": [ops…]}' });
      return;
    }
    const attempt = Number.isInteger(body?.attempt) ? (body?.attempt as number) : undefined;
    const result = await engine.checkpoint(params.runId ?? "", steps as OutgoingOp[], attempt);
    if (result === "run-not-found") sendJson(res, 404, { error: `run ${params.runId} not found` });
    else if (result === "run-ended") sendJson(res, 409, { error: `run ${params.runId} has ended` });
    else sendJson(res, 200, { ok: true });
  });
}
