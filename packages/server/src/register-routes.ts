import { headers, InvalidInputError, isWeftError } from "@weft/core";
import type { Engine, Logger, UrlPolicy } from "@weft/engine";
import { registerUrlRefusal } from "./app-url-check.js";
import { sdkAuthorized } from "./auth.js";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /fn/register` (protocol §1.2). The SDK ignores the HTTP status and reads `status` and a
 * string `error` from the JSON, so every failure carries both.
 */
export function registerRoutes(
  router: Router,
  engine: Engine,
  opts: { maxBodyBytes: number; serverKind: string; signingKey?: string; log: Logger; allowAppUrl?: UrlPolicy },
): void {
  router.on("POST", "/fn/register", async ({ req, res }) => {
    const fail = (message: string, status = 400) => sendJson(res, status, { ok: false, error: message, status });
    if (!sdkAuthorized(req, opts.signingKey)) {
      opts.log.warn("refused a sync: the app's signing key differs from the server's --signing-key", { from: req.socket.remoteAddress });
      fail("unauthorized: the app's signing key does not match the server's", 401);
      return;
    }
    const expected = req.headers[headers.expectedServerKind];
    if (typeof expected === "string" && expected !== "" && expected !== opts.serverKind) {
      fail(`this server is a ${opts.serverKind} server, the SDK expected ${expected}`);
      return;
    }
    const parsed = parseJson(await readBody(req, opts.maxBodyBytes));
    if (!parsed.ok) {
      fail(parsed.error);
      return;
    }
    const refused = registerUrlRefusal(parsed.value, opts.allowAppUrl);
    if (refused) {
      opts.log.warn(`refused a sync: ${refused}`);
      fail(refused, 403);
      return;
    }
    try {
      const { appId, modified } = await engine.register(parsed.value);
      sendJson(res, 200, { ok: true, modified, app_id: appId, status: 200 });
    } catch (e) {
      if (!isWeftError(e, InvalidInputError)) throw e;
      fail(e.message);
    }
  });
}
