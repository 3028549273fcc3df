import { headers } from "@weft/core";
import type { Engine } from "@weft/engine";
import { eventKeyAccepted } from "./auth.js";
import { parseJson, readBody, refusalStatus, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

export interface EventRouteOptions {
  /** Accepted event keys; empty accepts any non-empty key (dev mode). */
  eventKeys: string[];
  maxBodyBytes: number;
}

/** `POST /e/:eventKey` (protocol §2): acknowledged only once the events are durable. */
export function eventRoutes(router: Router, engine: Engine, opts: EventRouteOptions): void {
  router.on("POST", "/e/:eventKey", async ({ req, res, params }) => {
    if (!eventKeyAccepted(params.eventKey ?? "", opts.eventKeys)) {
      sendJson(res, 401, { ids: [], status: 401, error: "unknown event key" });
      return;
    }
    const parsed = parseJson(await readBody(req, opts.maxBodyBytes), Number.POSITIVE_INFINITY);
    if (!parsed.ok) {
      sendJson(res, 400, { ids: [], status: 400, error: parsed.error });
      return;
    }
    try {
      const seed = req.headers[headers.eventIdSeed];
      // The sender's trace context: the runs these events start join its trace (a bad one is ignored).
      const traceparent = req.headers.traceparent;
      const ids = await engine.send(parsed.value, {
        seed: typeof seed === "string" ? seed : undefined,
        traceparent: typeof traceparent === "string" ? traceparent : undefined,
      });
      sendJson(res, 200, { ids, status: 200 });
    } catch (e) {
      const status = refusalStatus(e);
      if (status === undefined) throw e;
      sendJson(res, status, { ids: [], status, error: (e as Error).message });
    }
  });
}
