import type { Engine } from "@weft/engine";
import { parseJson, readBody, refusalStatus, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /v1/events`: send events as an operator, behind the API token rather than an event key,
 * so the dashboard's "send a test event" form needs no event key. Same body and answer as
 * `POST /e/:eventKey` (`{"ids":[…],"status":200}` once durable).
 */
export function sendEventRoute(router: Router, engine: Engine, maxBodyBytes: number): void {
  router.on("POST", "/v1/events", async ({ req, res }) => {
    const parsed = parseJson(await readBody(req, maxBodyBytes), Number.POSITIVE_INFINITY);
    if (!parsed.ok) {
      sendJson(res, 400, { ids: [], status: 400, error: parsed.error });
      return;
    }
    try {
      sendJson(res, 200, { ids: await engine.send(parsed.value), status: 200 });
    } catch (e) {
      const status = refusalStatus(e);
      if (status === undefined) throw e;
      sendJson(res, status, { ids: [], status, error: (e as Error).message });
    }
  });
}
