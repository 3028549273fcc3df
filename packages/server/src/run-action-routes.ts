import { InvalidInputError, isWeftError } from "@weft/core";
import type { Engine } from "@weft/engine";
import type { HistoryStore } from "@weft/store";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/**
 * `POST /v1/runs/:runId/rerun`: a fresh run of the same function with the same trigger events,
 * from the first step. `POST /v1/runs/:runId/replay {"step_id"}`: the same, but reusing the results
 * of every step recorded before `step_id`, so the run goes again from that step. Both only for
 * ended runs; both answer `{data:{run_id, rerun_of}}`.
 */
export function runActionRoutes(router: Router, engine: Engine, history: HistoryStore): void {
  const replay = async (res: Parameters<Parameters<Router["on"]>[2]>[0]["res"], runId: string, stepId?: string) => {
    if (!(await history.getRun(runId))) return sendJson(res, 404, { error: `run ${runId} not found` });
    try {
      const newRunId = await engine.replayRun(runId, stepId);
      sendJson(res, 200, { data: { run_id: newRunId, rerun_of: runId, ...(stepId ? { from_step: stepId } : {}) } });
    } catch (e) {
      if (!isWeftError(e, InvalidInputError)) throw e;
      sendJson(res, 409, { error: e.message });
    }
  };
  router.on("POST", "/v1/runs/:runId/rerun", ({ res, params }) => replay(res, params.runId ?? ""));
  router.on("POST", "/v1/runs/:runId/replay", async ({ req, res, params }) => {
    const parsed = parseJson(await readBody(req, 64 * 1024));
    const stepId = parsed.ok ? (parsed.value as { step_id?: unknown } | null)?.step_id : undefined;
    if (typeof stepId !== "string" || stepId === "") return sendJson(res, 400, { error: 'body must be {"step_id": "<a step id from the run\'s timeline>"}' });
    await replay(res, params.runId ?? "", stepId);
  });
}
