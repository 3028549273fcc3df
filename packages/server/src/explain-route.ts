import { explainExpression, isWeftError, InvalidInputError } from "@weft/core";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /v1/expressions/explain` `{ expression, event, async? }`: whether the event matches the
 * filter and, when not, which terms were false or failed, with their values (issue 18), so a
 * trigger that never fires can be debugged. `event` is bound as both `event` and `async` unless
 * `async` is given (a waitForEvent `if` reads both). A filter that does not parse is a 400 naming
 * the offset of the problem.
 */
export function explainRoute(router: Router, maxBodyBytes: number): void {
  router.on("POST", "/v1/expressions/explain", async ({ req, res }) => {
    const parsed = parseJson(await readBody(req, maxBodyBytes));
    const body = (parsed.ok ? parsed.value : undefined) as { expression?: unknown; event?: unknown; async?: unknown } | undefined;
    if (!body || typeof body !== "object" || typeof body.expression !== "string" || body.expression === "" || !isObject(body.event)) {
      sendJson(res, 400, { error: 'body must be {"expression": "<CEL>", "event": {...}, "async"?: {...}}' });
      return;
    }
    try {
      const vars = { event: body.event, async: isObject(body.async) ? body.async : body.event };
      sendJson(res, 200, { data: explainExpression(body.expression, vars) });
    } catch (err) {
      if (!isWeftError(err, InvalidInputError)) throw err;
      sendJson(res, 400, { error: err.message });
    }
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
