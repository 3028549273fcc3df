import type { Engine, UrlPolicy } from "@weft/engine";
import { terminalStatuses, type HistoryStore, type RegistryStore, type RunStatus } from "@weft/store";
import { eventJson, runJson, stepJson } from "./api-shapes.js";
import type { AppSyncer } from "./app-syncer.js";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";
import { connectWorkerJson } from "./connect/worker-json.js";
import { explainRoute } from "./explain-route.js";
import { functionRoutes } from "./function-routes.js";
import { runActionRoutes } from "./run-action-routes.js";
import { bulkRoutes } from "./bulk-routes.js";
import { runTimeRange } from "./run-time-range.js";
import { sendEventRoute } from "./send-event-route.js";

const statuses: RunStatus[] = ["Running", ...terminalStatuses];
const maxLimit = 1000;

function limitOf(query: URLSearchParams): number | string {
  const raw = query.get("limit");
  if (raw === null) return 100;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 && n <= maxLimit ? n : `limit must be an integer from 1 to ${maxLimit}`;
}

/** The REST API in Inngest's shapes, plus what the CLI needs (`/v1/apps`, `/v1/functions`). */
export function apiRoutes(
  router: Router,
  engine: Engine,
  registry: RegistryStore,
  history: HistoryStore,
  syncer: AppSyncer,
  opts: { maxBodyBytes: number; allowAppUrl?: UrlPolicy },
): void {
  // Dashboard: rerun, one function's config and recent counts, sending events by API token.
  runActionRoutes(router, engine, history);
  bulkRoutes(router, engine);
  functionRoutes(router, engine, registry, history);
  sendEventRoute(router, engine, opts.maxBodyBytes);
  explainRoute(router, opts.maxBodyBytes);
  router.on("GET", "/v1/runs", async ({ res, query }) => {
    const status = query.get("status") ?? undefined;
    if (status !== undefined && !statuses.includes(status as RunStatus)) {
      sendJson(res, 400, { error: `status must be one of ${statuses.join(", ")}` });
      return;
    }
    const limit = limitOf(query);
    if (typeof limit === "string") {
      sendJson(res, 400, { error: limit });
      return;
    }
    // Dashboard: `from`/`to` bound the page by run id (see run-time-range.ts).
    const range = runTimeRange(query);
    if (typeof range === "string") {
      sendJson(res, 400, { error: range });
      return;
    }
    const page = await history.listRuns({
      status: status as RunStatus | undefined,
      functionId: query.get("function_id") ?? undefined,
      before: range.before,
      limit,
    });
    const { runs, exhausted } = range.trim(page);
    const last = runs.at(-1);
    sendJson(res, 200, { data: runs.map(runJson), metadata: { cursor: !exhausted && runs.length === limit && last ? last.runId : null } });
  });

  router.on("GET", "/v1/runs/:runId", async ({ res, params }) => {
    const run = await history.getRun(params.runId ?? "");
    if (!run) sendJson(res, 404, { error: `run ${params.runId} not found` });
    else sendJson(res, 200, { data: runJson(run) });
  });

  router.on("GET", "/v1/runs/:runId/steps", async ({ res, params }) => {
    const run = await history.getRun(params.runId ?? "");
    if (!run) {
      sendJson(res, 404, { error: `run ${params.runId} not found` });
      return;
    }
    sendJson(res, 200, { data: (await history.listSteps(run.runId)).map(stepJson) });
  });

  const cancel: Parameters<Router["on"]>[2] = async ({ res, params }) => {
    const runId = params.runId ?? "";
    const run = await history.getRun(runId);
    if (!run) {
      sendJson(res, 404, { error: `run ${runId} not found` });
      return;
    }
    const cancelled = await engine.cancelRun(runId);
    if (!cancelled) {
      sendJson(res, 409, { error: `run ${runId} has already ended (${run.status})` });
      return;
    }
    sendJson(res, 200, { data: runJson((await history.getRun(runId)) ?? run) });
  };
  router.on("DELETE", "/v1/runs/:runId", cancel);
  router.on("POST", "/v1/runs/:runId/cancel", cancel);

  router.on("GET", "/v1/events", async ({ res, query }) => {
    const limit = limitOf(query);
    if (typeof limit === "string") {
      sendJson(res, 400, { error: limit });
      return;
    }
    const events = await history.listEvents({ limit, before: query.get("cursor") ?? undefined, name: query.get("name") ?? undefined });
    sendJson(res, 200, { data: events.map(eventJson) });
  });

  router.on("GET", "/v1/events/:eventId", async ({ res, params }) => {
    const event = await history.getEvent(params.eventId ?? "");
    if (!event) sendJson(res, 404, { error: `event ${params.eventId} not found` });
    else sendJson(res, 200, { data: eventJson(event) });
  });

  router.on("GET", "/v1/events/:eventId/runs", async ({ res, params }) => {
    sendJson(res, 200, { data: (await history.runsOfEvent(params.eventId ?? "")).map(runJson) });
  });

  router.on("GET", "/v1/apps", async ({ res }) => {
    const [synced, workers] = await Promise.all([registry.listApps(), registry.listConnectWorkers(Date.now())]);
    sendJson(res, 200, { data: { synced, urls: syncer.status(), connect_workers: workers.map(connectWorkerJson) } });
  });

  router.on("POST", "/v1/apps", async ({ req, res }) => {
    const parsed = parseJson(await readBody(req, 64 * 1024));
    const url = parsed.ok ? (parsed.value as { url?: unknown } | null)?.url : undefined;
    if (typeof url !== "string" || !URL.canParse(url) || !/^https?:/.test(url)) {
      sendJson(res, 400, { error: 'body must be {"url": "http://host:port/api/inngest"}' });
      return;
    }
    const refused = opts.allowAppUrl?.refusal(url);
    if (refused) {
      sendJson(res, 403, { error: `app URL refused: ${refused}` });
      return;
    }
    sendJson(res, 200, { data: await syncer.add(url) });
  });

  router.on("POST", "/v1/apps/sync", async ({ res }) => {
    await syncer.syncAll();
    sendJson(res, 200, { data: syncer.status() });
  });

  router.on("GET", "/v1/functions", async ({ res }) => {
    const fns = await registry.listFunctions();
    // last_expression_error: the trigger filter's last runtime error in this process (issue 18), or null.
    const shape = (f: (typeof fns)[number]) => ({
      id: f.id,
      app_id: f.appId,
      name: f.name,
      triggers: f.config.triggers,
      last_expression_error: engine.lastExpressionError(f.id) ?? null,
    });
    sendJson(res, 200, { data: fns.map(shape) });
  });
}
