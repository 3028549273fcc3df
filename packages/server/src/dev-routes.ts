import { createRequire } from "node:module";
import type { FunctionRecord, RegistryStore, RunStateStore } from "@weft/store";
import { apiTokenAccepted, apiTokenRefusal } from "./api-token.js";
import { sdkAuthorized } from "./auth.js";
import { sendJson } from "./http-util.js";
import type { Router } from "./router.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** One synced function as Inngest's dev server lists it in `GET /dev` (its `inngest.Function` JSON). */
function functionJson(fn: FunctionRecord) {
  return {
    id: fn.id,
    slug: fn.id,
    name: fn.name,
    app_id: fn.appId,
    triggers: fn.config.triggers,
    // The URL the engine calls the function at, per step (Inngest's `Step.URI`).
    steps: Object.values(fn.config.steps ?? {}).map((s) => ({ id: s.id, name: s.name, uri: s.runtime.url })),
  };
}

/** Errors in the shape the SDK parses (`{error, status}`), so it reports the message, not a parse failure. */
const fail = (res: Parameters<typeof sendJson>[0], status: number, error: string) => sendJson(res, status, { error, status });

/**
 * What an SDK or Inngest's tooling asks a dev server besides the protocol proper:
 *
 * - `GET /dev`: the introspection document (version, synced functions with their step URLs, apps).
 *   inngest v3 fetches it to tell whether a dev server is running; tools read the function list.
 *   Behind the API token when one is set, as it names every app URL.
 * - `GET /v0/runs/:runId/actions` and `/batch`: a run's step results and trigger events, which the
 *   SDK fetches when a call says `use_api` (Weft always sends them inline, but answers anyway).
 *   Behind the signing key, like checkpoints.
 * - `POST /v0/connect/start|flush`: `connect()` workers (WebSocket), which Weft does not run: a 404
 *   that says so, rather than the bare "not found" every other unknown path gets.
 */
export function devRoutes(router: Router, stores: { registry: RegistryStore; state: RunStateStore }, opts: { signingKey?: string; apiToken?: string }): void {
  router.on("GET", "/dev", async ({ req, res }) => {
    if (!apiTokenAccepted(req, opts.apiToken)) return sendJson(res, 401, apiTokenRefusal, { "www-authenticate": "Bearer" });
    const [apps, functions] = await Promise.all([stores.registry.listApps(), stores.registry.listFunctions()]);
    sendJson(res, 200, {
      version: `weft-${version}`,
      authed: false,
      functions: functions.map(functionJson),
      handlers: apps.map((a) => ({
        app_id: a.id,
        url: a.url,
        sdk: a.sdk ?? null,
        framework: a.framework ?? null,
        error: a.error ?? null,
        functions: functions.filter((f) => f.appId === a.id).map((f) => f.id),
      })),
      isSingleNodeService: true,
      isMissingSigningKey: false,
      isMissingEventKeys: false,
      features: {},
    });
  });

  const runState = async (req: Parameters<typeof sdkAuthorized>[0], res: Parameters<typeof sendJson>[0], runId: string) => {
    if (!sdkAuthorized(req, opts.signingKey)) {
      fail(res, 401, "unauthorized: the app's signing key does not match the server's");
      return undefined;
    }
    const state = await stores.state.loadRun(runId);
    if (!state) fail(res, 404, `run ${runId} not found, or ended and its state dropped`);
    return state;
  };
  router.on("GET", "/v0/runs/:runId/actions", async ({ req, res, params }) => {
    const state = await runState(req, res, params.runId ?? "");
    if (!state) return;
    // Stored step values are JSON text: spliced in as the call body does, never re-serialised.
    const entries = [...state.steps].map(([id, value]) => `${JSON.stringify(id)}:${value}`);
    const text = `{${entries.join(",")}}`;
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
  router.on("GET", "/v0/runs/:runId/batch", async ({ req, res, params }) => {
    const state = await runState(req, res, params.runId ?? "");
    if (state) sendJson(res, 200, state.events);
  });
}
