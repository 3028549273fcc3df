import { InvalidInputError, isWeftError } from "@weft/core";
import type { Engine } from "@weft/engine";
import type { HistoryStore } from "@weft/store";
import { sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /v1/runs/:runId/rerun`: send the run's trigger event again as a new event (a new id, the
 * same name, data and user), which starts a fresh run from the first step. Being a new event, it
 * starts every function the event triggers, as the original did, and no steps are reused. Runs
 * started by internal events (an invoke, a cron tick) are refused: only the engine may send those.
 */
export function runActionRoutes(router: Router, engine: Engine, history: HistoryStore): void {
  router.on("POST", "/v1/runs/:runId/rerun", async ({ res, params }) => {
    const runId = params.runId ?? "";
    const run = await history.getRun(runId);
    if (!run) {
      sendJson(res, 404, { error: `run ${runId} not found` });
      return;
    }
    const stored = await history.getEvent(run.eventId);
    if (!stored) {
      sendJson(res, 409, { error: `the trigger event ${run.eventId} of run ${runId} is no longer stored` });
      return;
    }
    const { name, data, user } = stored.event;
    if (name.startsWith("inngest/")) {
      sendJson(res, 409, { error: `run ${runId} was started by ${name}, an internal event: rerun the run that invoked it, or wait for the next tick` });
      return;
    }
    try {
      const [eventId] = await engine.send({ name, data, user });
      sendJson(res, 200, { data: { event_id: eventId, rerun_of: runId } });
    } catch (e) {
      if (!isWeftError(e, InvalidInputError)) throw e;
      sendJson(res, 409, { error: `cannot rerun run ${runId}: ${e.message}` });
    }
  });
}
