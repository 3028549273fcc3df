import type { Engine } from "@weft/engine";
import type { HistoryStore, RegistryStore, RunStatus } from "@weft/store";
import { sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/** How far back `recent` looks, and the most runs it reads to count them. */
const recentWindowMs = 60 * 60 * 1000;
const recentSample = 500;

/**
 * `GET /v1/functions/:functionId`: one function's whole config (triggers, retries, flow control as
 * registered) and its recent throughput: the runs started in the last hour by status. The counts
 * come from one indexed page of the function's newest runs, so they are cheap at any store size;
 * `capped` says the hour held more runs than the page, and the counts are a floor.
 */
export function functionRoutes(router: Router, engine: Engine, registry: RegistryStore, history: HistoryStore, now: () => number = Date.now): void {
  // Pause / resume: no new runs start while paused (events are not replayed on resume); running
  // runs go on. Cancel: every running run of the function, in bulk.
  for (const [action, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const) {
    router.on("POST", `/v1/functions/:functionId/${action}`, async ({ res, params }) => {
      const fn = await registry.getFunction(params.functionId ?? "");
      if (!fn) return sendJson(res, 404, { error: `function ${params.functionId} not found` });
      await engine.pauseFunction(fn.id, paused);
      sendJson(res, 200, { data: { id: fn.id, paused } });
    });
  }
  router.on("POST", "/v1/functions/:functionId/cancel", async ({ res, params }) => {
    const fn = await registry.getFunction(params.functionId ?? "");
    if (!fn) return sendJson(res, 404, { error: `function ${params.functionId} not found` });
    sendJson(res, 200, { data: { id: fn.id, cancelled: await engine.cancelFunctionRuns(fn.id) } });
  });

  router.on("GET", "/v1/functions/:functionId", async ({ res, params }) => {
    const fn = await registry.getFunction(params.functionId ?? "");
    if (!fn) {
      sendJson(res, 404, { error: `function ${params.functionId} not found` });
      return;
    }
    const since = now() - recentWindowMs;
    const page = await history.listRuns({ functionId: fn.id, limit: recentSample });
    const inWindow = page.filter((r) => r.startedAt >= since);
    const counts: Record<RunStatus, number> = { Running: 0, Completed: 0, Failed: 0, Cancelled: 0 };
    for (const r of inWindow) counts[r.status] = (counts[r.status] ?? 0) + 1;
    sendJson(res, 200, {
      data: {
        id: fn.id,
        app_id: fn.appId,
        name: fn.name,
        config: fn.config,
        paused: await engine.isFunctionPaused(fn.id),
        // The trigger filter's last runtime error in this process (issue 18), or null.
        last_expression_error: engine.lastExpressionError(fn.id) ?? null,
        recent: {
          window_ms: recentWindowMs,
          started: inWindow.length,
          running: counts.Running,
          completed: counts.Completed,
          failed: counts.Failed,
          cancelled: counts.Cancelled,
          capped: inWindow.length === recentSample,
        },
      },
    });
  });
}
