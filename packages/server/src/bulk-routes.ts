import type { ApiBulkDryRun, ApiBulkOperation, ApiBulkRequest, ApiRunStatus } from "@weft/core";
import { InvalidInputError, isWeftError } from "@weft/core";
import type { BulkFilter, BulkKind, BulkOperation, Engine } from "@weft/engine";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

const statuses: readonly ApiRunStatus[] = ["Running", "Completed", "Failed", "Cancelled"];
const fields = new Set(["app_id", "function_id", "started_after", "started_before", "if", "run_ids", "status", "from_step", "dry_run"]);

/**
 * Bulk actions after an incident. `POST /v1/cancellations` cancels every Running run a filter
 * matches (Inngest's shape: `app_id`, `function_id`, `started_after`, `started_before`, `if`);
 * `POST /v1/replays` reruns every Failed or Cancelled one from the same events. Both answer the
 * operation at once (`{data}` with its id) and work on in pages as queue jobs; `GET …/:id` shows
 * the progress. `dry_run: true` answers `{data: {dry_run, matched}}` and acts on nothing.
 */
export function bulkRoutes(router: Router, engine: Engine): void {
  const routes: [BulkKind, string][] = [
    ["cancel", "/v1/cancellations"],
    ["replay", "/v1/replays"],
  ];
  for (const [kind, path] of routes) {
    router.on("POST", path, async ({ req, res }) => {
      const parsed = parseJson(await readBody(req, 1024 * 1024));
      if (!parsed.ok) return sendJson(res, 400, { error: `body is not JSON: ${parsed.error}` });
      const request = bulkRequest(kind, parsed.value);
      if (typeof request === "string") return sendJson(res, 400, { error: request });
      try {
        if (request.dryRun) {
          const dry: ApiBulkDryRun = { dry_run: true, matched: await engine.countBulk(kind, request.filter) };
          return sendJson(res, 200, { data: dry });
        }
        const op = await engine.startBulk(kind, request.filter, request.fromStep);
        sendJson(res, 201, { data: bulkJson(op) });
      } catch (e) {
        if (!isWeftError(e, InvalidInputError)) throw e;
        sendJson(res, 400, { error: e.message });
      }
    });
    router.on("GET", `${path}/:id`, async ({ res, params }) => {
      const op = await engine.bulkOperation(params.id ?? "");
      if (op === undefined || op.kind !== kind) return sendJson(res, 404, { error: `${kind === "cancel" ? "cancellation" : "replay"} ${params.id} not found` });
      sendJson(res, 200, { data: bulkJson(op) });
    });
  }
}

/** The body as a filter, or what is wrong with it. */
function bulkRequest(kind: BulkKind, body: unknown): { filter: BulkFilter; fromStep?: string; dryRun: boolean } | string {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "body must be a JSON object";
  const b = body as ApiBulkRequest & Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !fields.has(k));
  if (unknown !== undefined) return `unknown field "${unknown}" (known: ${[...fields].join(", ")})`;
  for (const k of ["app_id", "function_id", "if", "from_step"] as const) {
    if (b[k] !== undefined && (typeof b[k] !== "string" || b[k] === "")) return `${k} must be a non-empty string`;
  }
  if (b.dry_run !== undefined && typeof b.dry_run !== "boolean") return "dry_run must be true or false";
  const after = timeField(b.started_after, "started_after");
  const before = timeField(b.started_before, "started_before");
  if (typeof after === "string") return after;
  if (typeof before === "string") return before;
  if (b.run_ids !== undefined && (!Array.isArray(b.run_ids) || !b.run_ids.every((id) => typeof id === "string" && id !== ""))) {
    return "run_ids must be a list of run ids";
  }
  const given = b.status === undefined ? undefined : Array.isArray(b.status) ? b.status : [b.status];
  const bad = given?.find((s) => !statuses.includes(s as ApiRunStatus));
  if (bad !== undefined) return `status must be one of ${statuses.join(", ")}, not ${JSON.stringify(bad)}`;
  let functionId = b.function_id;
  // Inngest names a function by app and fn id; Weft's ids are `<app>-<fn>`.
  if (functionId !== undefined && b.app_id !== undefined && !functionId.startsWith(`${b.app_id}-`)) functionId = `${b.app_id}-${functionId}`;
  const filter: BulkFilter = {
    functionId,
    startedAfter: after,
    startedBefore: before,
    statuses: given ?? (kind === "cancel" ? ["Running"] : ["Failed", "Cancelled"]),
    if: b.if,
    runIds: b.run_ids,
  };
  return { filter, fromStep: b.from_step, dryRun: b.dry_run === true };
}

function timeField(value: unknown, name: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === "number" ? value : typeof value === "string" ? (/^\d+$/.test(value) ? Number(value) : Date.parse(value)) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 ? ms : `${name} must be an ISO time or epoch milliseconds`;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function bulkJson(op: BulkOperation): ApiBulkOperation {
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    matched: op.matched,
    ...(op.kind === "cancel" ? { cancelled: op.acted } : { replayed: op.acted }),
    skipped: op.skipped,
    function_id: op.filter.functionId ?? null,
    started_after: iso(op.filter.startedAfter),
    started_before: iso(op.filter.startedBefore),
    if: op.filter.if ?? null,
    created_at: new Date(op.createdAt).toISOString(),
    ended_at: iso(op.endedAt),
  };
}
