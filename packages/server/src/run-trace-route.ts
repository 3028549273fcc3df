import type { HistoryStore } from "@weft/store";
import { sendJson } from "./http-util.js";
import type { Router } from "./router.js";
import { runTrace } from "./run-trace.js";

/** `GET /v1/runs/:runId/trace`: the run's spans as timing (`ApiRunTrace`), from history alone. */
export function runTraceRoute(router: Router, history: HistoryStore): void {
  router.on("GET", "/v1/runs/:runId/trace", async ({ res, params }) => {
    const trace = await runTrace(history, params.runId ?? "");
    if (!trace) sendJson(res, 404, { error: `run ${params.runId} not found` });
    else sendJson(res, 200, { data: trace });
  });
}
