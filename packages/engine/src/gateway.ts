import { request, type Dispatcher } from "undici";
import { done, type EngineContext, type JobOutcome } from "./context.js";
import { endWait } from "./continue-run.js";
import { isFetchAddressRefused } from "./fetch-guard.js";
import type { Job } from "./jobs.js";
import { limitError, overLimit } from "./limits.js";

interface GatewayResult {
  /** The value to store for the step, when the call is finished (success or final failure). */
  value?: string;
  /** Why this attempt failed, when it may be tried again. */
  retry?: string;
}

const timeoutMs = 5 * 60_000;

/**
 * `step.fetch` (Gateway) and `step.ai.infer` (AIGateway): the server makes the HTTP call for the
 * function, so the request and its response are a durable step (protocol §4.1). A fetch stores
 * whatever status came back; an inference retries failed calls like a step, then stores the error.
 */
export async function runGateway(ctx: EngineContext, item: Job<"gateway">): Promise<JobOutcome> {
  const { runId, payload } = item;
  const meta = await ctx.stores.state.loadMetadata(runId);
  if (meta?.status !== "Running") return done;
  const refused = ctx.allowFetchUrl?.refusal(String(payload.opts.url));
  const result: GatewayResult = refused
    ? { value: JSON.stringify({ error: { name: "FetchUrlNotAllowed", message: refused } }) }
    : payload.op === "Gateway"
      ? await fetchFor(payload.opts, ctx.fetchDispatcher)
      : await inferFor(payload.opts, ctx.fetchDispatcher);
  const bytes = result.value === undefined ? 0 : Buffer.byteLength(result.value);
  if (bytes > ctx.limits.maxStepOutputBytes) {
    // Stored as the step's error, so the function sees why and may handle it.
    result.value = JSON.stringify({ error: limitError(`the ${payload.op} response is ${bytes} bytes, ${overLimit("maxStepOutputBytes", ctx.limits)}`) });
  }
  const last = item.attempt + 1 >= meta.maxAttempts;
  if (result.retry !== undefined && !last) {
    ctx.log.warn(`${payload.op} call failed, will retry: ${result.retry}`, { runId, functionId: meta.functionId, attempt: item.attempt });
    return { type: "retry", attempt: item.attempt + 1, availableAt: ctx.clock.now() + ctx.backoff(item.attempt) };
  }
  const value = result.value ?? JSON.stringify({ error: { name: `${payload.op}Error`, message: result.retry } });
  await endWait(ctx, { runId, tenant: meta.appId, stepId: payload.stepId }, value, value.startsWith('{"error"') ? "Failed" : "Completed");
  return done;
}

/** A refused address is final (stored as the step's error, never retried); other failures may be retried. */
function failure(e: unknown, url: unknown, retry: string): GatewayResult {
  if (isFetchAddressRefused(e)) return { value: JSON.stringify({ error: { name: e.name, message: `${String(url)} refused: ${e.message}` } }) };
  return { retry };
}

async function fetchFor(opts: Record<string, unknown>, dispatcher: Dispatcher | undefined): Promise<GatewayResult> {
  try {
    const res = await request(String(opts.url), {
      dispatcher,
      method: (typeof opts.method === "string" ? opts.method.toUpperCase() : "GET") as "GET",
      headers: (opts.headers as Record<string, string> | undefined) ?? {},
      body: typeof opts.body === "string" ? opts.body : opts.body == null ? undefined : JSON.stringify(opts.body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const body = await res.body.text();
    return { value: JSON.stringify({ data: { status_code: res.statusCode, headers, body } }) };
  } catch (e) {
    return failure(e, opts.url, `fetch ${String(opts.url)}: ${(e as Error).message}`);
  }
}

/** Provider auth by model format, as the SDK's model helpers expect the gateway to add it. */
function authHeaders(format: unknown, key: unknown): Record<string, string> {
  if (typeof key !== "string" || key === "") return {};
  if (format === "anthropic") return { "x-api-key": key };
  if (format === "gemini" || format === "azure-openai") return {}; // in the URL / headers already
  return { authorization: `Bearer ${key}` };
}

async function inferFor(opts: Record<string, unknown>, dispatcher: Dispatcher | undefined): Promise<GatewayResult> {
  try {
    const res = await request(String(opts.url), {
      dispatcher,
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...((opts.headers as Record<string, string> | undefined) ?? {}),
        ...authHeaders(opts.format, opts.auth_key),
      },
      body: JSON.stringify(opts.body ?? {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) return { retry: `the model answered ${res.statusCode}: ${text.slice(0, 300)}` };
    return { value: JSON.stringify({ data: JSON.parse(text) as unknown }) };
  } catch (e) {
    return failure(e, opts.url, `inference at ${String(opts.url)}: ${(e as Error).message}`);
  }
}
