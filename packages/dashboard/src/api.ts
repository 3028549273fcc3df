// The REST API as the dashboard sees it: typed fetches, the API token, and the shapes it answers.
// The run, step and event shapes are declared once in @weft/core (types only: nothing of core is bundled).
import type { ApiEvent, ApiRerun, ApiRun, ApiRunStatus, ApiStep } from "@weft/core";

export type RunStatus = ApiRunStatus;
export const runStatuses: RunStatus[] = ["Running", "Completed", "Failed", "Cancelled"];

export type Run = ApiRun;
export type Step = ApiStep;

/**
 * The child run an invoke line (`op: "InvokeFunction"`) names: its output is
 * `{invoke: "<function id>", run_id: "<child run id>"}` while it waits. Once the child has
 * finished the line's output is the child's result, and `invokedRunLookup` finds the child instead.
 */
export function invokedRunId(step: Step): string | undefined {
  if (step.op !== "InvokeFunction") return undefined;
  const o = step.output as { invoke?: unknown; run_id?: unknown } | null | undefined;
  if (!o || typeof o !== "object" || typeof o.run_id !== "string") return undefined;
  return step.status === "Waiting" || typeof o.invoke === "string" ? o.run_id : undefined;
}

/**
 * Where to find the child of an invoke line whose output no longer names it: the engine gives the
 * child's trigger event (`inngest/function.invoked`) the invoke's correlation id,
 * `<parent run id>.<step id>`, as its id, so the child is the run that event started.
 */
export function invokedRunLookup(runId: string, step: Step): string | null {
  return step.op === "InvokeFunction" && step.status !== "Waiting" && !invokedRunId(step)
    ? `/v1/events/${encodeURIComponent(`${runId}.${step.id}`)}/runs`
    : null;
}

/** Whether a line holds a result the run recorded, so a replay can start from it. */
export function isReplayable(step: Step): boolean {
  return (step.status === "Completed" || step.status === "Failed") && step.op !== "Call";
}

/** What `POST /v1/runs/:id/replay` and `/rerun` answer. */
export type RerunAnswer = ApiRerun;

export type StoredEvent = ApiEvent;

export interface AppRecord {
  id: string;
  url: string;
  sdk?: string;
  framework?: string;
  error?: string;
  syncedAt?: number;
}

export interface AppUrlStatus {
  url: string;
  ok: boolean;
  error?: string;
  lastAttemptAt?: number;
}

export interface FunctionSummary {
  id: string;
  app_id: string;
  name: string;
  triggers: Array<{ event?: string; cron?: string; expression?: string }>;
}

export interface FunctionDetail {
  id: string;
  app_id: string;
  name: string;
  config: Record<string, unknown>;
  /** No new runs start while paused; running runs go on. */
  paused?: boolean;
  /** The trigger filter's last runtime error (it matched nothing), or null. */
  last_expression_error?: { where: string; expression: string; error: string; at: number; count: number } | null;
  recent: { window_ms: number; started: number; running: number; completed: number; failed: number; cancelled: number; capped: boolean };
}

const tokenKey = "weft-api-token";

/** The API token of production mode, kept for this tab only. */
export const token = {
  get: (): string | null => sessionStorage.getItem(tokenKey),
  set: (value: string) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

/** The server wants a token we do not have (or a wrong one): the app shows the login form. */
export class AuthRequiredError extends Error {
  constructor() {
    super("this server requires an API token");
  }
}

/** An API answer other than 2xx, with the server's `error` text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const authListeners = new Set<() => void>();
export function onAuthRequired(listener: () => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export function authHeaders(): Record<string, string> {
  const t = token.get();
  return t ? { authorization: `Bearer ${t}` } : {};
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? "GET",
    signal: init.signal,
    headers: { ...authHeaders(), ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (res.status === 401) {
    for (const l of authListeners) l();
    throw new AuthRequiredError();
  }
  const json = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new ApiError(res.status, json.error ?? `${init.method ?? "GET"} ${path} answered ${res.status}`);
  return json;
}

/** `?a=1&b=2` from the defined entries only. */
export function queryString(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Events never change once stored, so each is fetched once per page load. */
const eventCache = new Map<string, Promise<StoredEvent | null>>();
export function cachedEvent(id: string): Promise<StoredEvent | null> {
  let hit = eventCache.get(id);
  if (!hit) {
    hit = api<{ data: StoredEvent }>(`/v1/events/${encodeURIComponent(id)}`).then(
      (r) => r.data,
      () => {
        eventCache.delete(id);
        return null;
      },
    );
    eventCache.set(id, hit);
  }
  return hit;
}
