import type { Router } from "../router.js";
import { sendJson } from "../http-util.js";
import type { WeftMetrics } from "./weft-metrics.js";

/**
 * `GET /metrics`: the Prometheus text format. Behind the API token when one is set (the server's
 * token check covers this path, `needsApiToken`).
 */
export function metricsRoute(router: Router, metrics: WeftMetrics | undefined): void {
  router.on("GET", "/metrics", async ({ res }) => {
    if (!metrics) {
      sendJson(res, 404, { error: "metrics are off: start without --no-metrics" });
      return;
    }
    const text = await metrics.metrics();
    res.writeHead(200, { "content-type": metrics.contentType });
    res.end(text);
  });
}
