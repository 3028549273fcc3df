/**
 * The serve endpoint, framework-neutral: `{method, url, headers, body}` in, `{status, headers,
 * body}` out. `GET` introspects, `PUT` syncs, `POST ?fnId=…&stepId=…` runs a function
 * (protocol §1, §3–§6). `serve` (node:http, Express) and `serveFetch` (Request/Response) adapt it.
 */
import { headers, internalEvents, signRequest, verifySignature, type OutgoingOp } from "@weft/core";
import type { ClientConfig } from "./config.js";
import { discoveryStepId, failureSuffix, requestVersion, sdkHeader } from "./constants.js";
import { deserializeError } from "./errors.js";
import { execute } from "./execution.js";
import type { ExecutionRequest, ExecutionResult } from "./execution.js";
import type { RawHandler, WeftFunction } from "./function.js";
import { checkpointStep } from "./checkpoint.js";
import { sendFromRun } from "./chain-depth.js";
import { publish } from "./realtime.js";
import { introspection, registerInBand, registerOutOfBand } from "./sync.js";
import type { SyncContext } from "./sync.js";

export interface ServeOptions {
  /** The `Weft` client the functions belong to. */
  client: { readonly id: string; readonly config: ClientConfig };
  functions: readonly WeftFunction<unknown, unknown>[];
  /** Path the server should call, when it differs from the request's (e.g. behind a proxy). */
  servePath?: string;
  /** Origin the server should call (`https://app.example.com`), when it differs from the request's. */
  serveHost?: string;
}

/** A request as every framework can give it. Header names are lower-case. */
export interface HandlerRequest {
  method: string;
  /** The absolute URL of the request. */
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

export interface HandlerResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Target {
  fn: WeftFunction<unknown, unknown>;
  handler: RawHandler;
  failure: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Read a call body (protocol §3) leniently; only `event` is required. */
function parseCall(body: string, requestedStepId: string | undefined): ExecutionRequest {
  const parsed = JSON.parse(body) as unknown;
  if (!isRecord(parsed) || !isRecord(parsed.event)) throw new Error("the call body has no `event` object");
  const ctx = isRecord(parsed.ctx) ? parsed.ctx : {};
  const stack = isRecord(ctx.stack) && Array.isArray(ctx.stack.stack) ? ctx.stack.stack.filter((id) => typeof id === "string") : [];
  return {
    event: parsed.event,
    events: Array.isArray(parsed.events) && parsed.events.length > 0 ? parsed.events : [parsed.event],
    steps: isRecord(parsed.steps) ? parsed.steps : {},
    stack,
    runId: typeof ctx.run_id === "string" ? ctx.run_id : "",
    attempt: typeof ctx.attempt === "number" ? ctx.attempt : 0,
    maxAttempts: typeof ctx.max_attempts === "number" ? ctx.max_attempts : undefined,
    disableImmediateExecution: ctx.disable_immediate_execution === true,
    requestedStepId,
    checkpointTarget:
      typeof ctx.fn_id === "string" && ctx.fn_id !== "" && typeof ctx.qi_id === "string" && ctx.qi_id !== ""
        ? { fnId: ctx.fn_id, queueItemId: ctx.qi_id }
        : undefined,
    parallelSteps: ctx.weft_parallel_steps === true,
  };
}

/** The URL the server should call: the request's, with `serveHost` / `servePath` applied. */
function serveUrl(requestUrl: URL, options: ServeOptions): string {
  const host = options.serveHost;
  const origin = host ? new URL(/^https?:\/\//.test(host) ? host : `${requestUrl.protocol}//${host}`).origin : requestUrl.origin;
  return new URL(options.servePath ?? requestUrl.pathname, origin).href;
}

/** @internal How a transport other than HTTP uses the handler. */
export interface HandlerTransport {
  /**
   * Calls arrive over a channel the SDK opened and authenticated itself (Connect's WebSocket), so
   * they carry no request signature to verify, as the official SDK's `skipSignatureValidation`.
   */
  trustedCalls?: boolean;
}

export function createServeHandler(
  options: ServeOptions,
  framework: string,
  transport: HandlerTransport = {},
): (req: HandlerRequest) => Promise<HandlerResponse> {
  const { config } = options.client;
  const sync: SyncContext = { config, functions: options.functions, framework };
  const targets = new Map<string, Target>();
  for (const fn of options.functions) {
    if (targets.has(fn.compositeId)) throw new Error(`Weft: function "${fn.compositeId}" is served twice`);
    targets.set(fn.compositeId, { fn, handler: fn.definition.handler, failure: false });
    const { onFailure } = fn.definition;
    if (onFailure) targets.set(`${fn.compositeId}${failureSuffix}`, { fn, handler: onFailure, failure: true });
  }
  const verify = config.mode === "cloud" && config.signingKey !== undefined;

  // In cloud mode responses are signed too, so the server can trust what an app says it is.
  const respond = (status: number, body: unknown, extra: Record<string, string> = {}): HandlerResponse => {
    const text = JSON.stringify(body ?? null);
    return {
      status,
      headers: {
        "content-type": "application/json",
        [headers.sdk]: sdkHeader,
        [headers.reqVersion]: requestVersion,
        [headers.framework]: framework,
        ...(verify ? { [headers.signature]: signRequest(text, config.signingKey ?? "") } : {}),
        ...extra,
      },
      body: text,
    };
  };

  const toResponse = (result: ExecutionResult): HandlerResponse => {
    switch (result.type) {
      case "function-resolved":
        return respond(200, result.data);
      case "function-rejected":
        return respond(result.retriable ? 500 : 400, result.error, {
          [headers.noRetry]: String(!result.retriable),
          ...(result.retryAfter ? { [headers.retryAfter]: result.retryAfter } : {}),
        });
      case "step-ran":
        return respond(206, [result.op], {
          ...(result.retriable === undefined ? {} : { [headers.noRetry]: String(!result.retriable) }),
          ...(result.retryAfter ? { [headers.retryAfter]: result.retryAfter } : {}),
        });
      case "steps-found":
        return respond(206, result.ops);
      case "steps-ran":
        // No `x-inngest-no-retry`: each op says how it ended (`StepError` retries, `StepFailed` not).
        return respond(206, result.ops, result.retryAfter ? { [headers.retryAfter]: result.retryAfter } : {});
      case "step-not-found":
        return respond(500, {
          error: `Could not find step "${result.requestedStep}" to run; timed out`,
          requestedStep: result.requestedStep,
          foundSteps: result.foundSteps,
          totalFoundSteps: result.foundSteps.length,
        });
    }
  };

  const call = async (req: HandlerRequest, url: URL): Promise<HandlerResponse> => {
    const fnId = url.searchParams.get("fnId") ?? "";
    const target = targets.get(fnId);
    if (!target) return respond(500, { type: "internal", error: `Could not find function with ID "${fnId}"` });
    const stepId = url.searchParams.get("stepId") ?? req.headers[headers.stepId] ?? discoveryStepId;
    let request: ExecutionRequest;
    try {
      request = parseCall(req.body, stepId === discoveryStepId ? undefined : stepId);
    } catch (err) {
      return respond(500, { type: "internal", error: `Bad call body: ${err instanceof Error ? err.message : String(err)}` });
    }
    const fnConfig = target.fn.definition.config;
    const failedWith =
      target.failure && isRecord(request.event) && isRecord(request.event.data) && request.event.name === internalEvents.functionFailed
        ? deserializeError(request.event.data.error)
        : undefined;
    const result = await execute(
      {
        handler: target.handler,
        ...(target.failure ? { error: failedWith ?? new Error("Unknown error") } : {}),
        appId: config.appId,
        send: (events) => sendFromRun(fnConfig, events, request.events),
        publish: (ref, data, runId) => publish(fnConfig, ref, data, runId),
        logger: fnConfig.logger,
        ...(request.checkpointTarget && fnConfig.checkpointing ? { checkpoint: (op: OutgoingOp) => checkpointStep(fnConfig, request, op) } : {}),
        ...(request.parallelSteps ? { maxParallelSteps: fnConfig.parallelSteps } : {}),
      },
      request,
    );
    return toResponse(result);
  };

  return async (req) => {
    try {
      const url = new URL(req.url);
      const method = req.method.toUpperCase();
      if (method === "GET") return respond(200, introspection(sync));
      if (method !== "POST" && method !== "PUT") return respond(405, { message: `Method ${method} not allowed` });
      if (verify && !transport.trustedCalls && !verifySignature(req.headers[headers.signature], req.body, config.signingKey ?? "")) {
        return { status: 401, headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "Unauthorized" }) };
      }
      if (method === "PUT") {
        const reply =
          req.headers[headers.syncKind] === "in_band" && config.allowInBandSync
            ? registerInBand(sync, req.body)
            : await registerOutOfBand(sync, serveUrl(url, options), {
                deployId: url.searchParams.get("deployId") ?? undefined,
                serverKind: req.headers[headers.serverKind],
              });
        return respond(reply.status, reply.body, reply.headers);
      }
      return await call(req, url);
    } catch (err) {
      return respond(500, { type: "internal", error: err instanceof Error ? err.message : String(err) });
    }
  };
}
