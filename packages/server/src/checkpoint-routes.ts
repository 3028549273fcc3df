import type { Engine, Logger } from "@weft/engine";
import { sdkAuthorizer } from "./auth.js";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/** The answer to a saved checkpoint, built once: it is sent after every step an SDK runs. */
const savedBody = Buffer.from(JSON.stringify({ ok: true }));
const savedHeaders = { "content-type": "application/json", "content-length": String(savedBody.length) };

/**
 * `POST /v1/checkpoint/:runId/async`: v4 SDKs post step results here while they run steps
 * in-process; answered by `Engine.answerCheckpoint`, after the signing key is checked.
 *
 * The SDK awaits each answer before it goes on with the handler, so the route's own work sits on
 * the path of every step: the hashed signing key is digested once (`sdkAuthorizer`), and the 200
 * is a prepared buffer.
 */
export function checkpointRoutes(router: Router, engine: Engine, opts: { maxBodyBytes: number; signingKey?: string; log: Logger }): void {
  const authorized = sdkAuthorizer(opts.signingKey);
  router.on("POST", "/v1/checkpoint/:runId/async", async ({ req, res, params }) => {
    if (!authorized(req)) {
      opts.log.warn("refused a checkpoint: the app's signing key differs from the server's --signing-key", { runId: params.runId });
      sendJson(res, 401, { error: "unauthorized: the app's signing key does not match the server's" });
      return;
    }
    const parsed = parseJson(await readBody(req, opts.maxBodyBytes));
    const answer = await engine.answerCheckpoint(params.runId ?? "", parsed.ok ? parsed.value : undefined);
    if (answer.status !== 200) return sendJson(res, answer.status, answer.body);
    res.writeHead(200, savedHeaders);
    res.end(savedBody);
  });
}
