import type { Engine, Logger } from "@weft/engine";
import { sdkAuthorized } from "./auth.js";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /v1/checkpoint/:runId/async`: v4 SDKs post step results here while they run steps
 * in-process; answered by `Engine.answerCheckpoint`, after the signing key is checked.
 */
export function checkpointRoutes(router: Router, engine: Engine, opts: { maxBodyBytes: number; signingKey?: string; log: Logger }): void {
  router.on("POST", "/v1/checkpoint/:runId/async", async ({ req, res, params }) => {
    if (!sdkAuthorized(req, opts.signingKey)) {
      opts.log.warn("refused a checkpoint: the app's signing key differs from the server's --signing-key", { runId: params.runId });
      sendJson(res, 401, { error: "unauthorized: the app's signing key does not match the server's" });
      return;
    }
    const parsed = parseJson(await readBody(req, opts.maxBodyBytes));
    const answer = await engine.answerCheckpoint(params.runId ?? "", parsed.ok ? parsed.value : undefined);
    sendJson(res, answer.status, answer.body);
  });
}
