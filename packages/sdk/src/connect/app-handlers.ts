/**
 * The apps a `connect()` worker serves: their function configs for WORKER_CONNECT, and the
 * running of one GATEWAY_EXECUTOR_REQUEST through the same serve handler HTTP calls go through
 * (`createServeHandler`), so a call over the socket executes exactly as one over HTTP.
 */
import { headers } from "@weft/core";
import { type AppConfiguration, type ExecutorRequest, ResponseStatus, type SdkResponse } from "@weft/connect-protocol";
import type { ClientConfig } from "../config.js";
import { requestVersion, sdkHeader } from "../constants.js";
import type { WeftFunction } from "../function.js";
import { createServeHandler, type HandlerRequest, type HandlerResponse } from "../serve-handler.js";
import { functionConfigs } from "../sync.js";

/** One app served over the socket: a `Weft` client and the functions it serves. */
export interface ConnectApp {
  client: { readonly id: string; readonly config: ClientConfig };
  functions: readonly WeftFunction<unknown, unknown>[];
}

/** The step URL base the official SDK registers for Connect functions (`?fnId=…&stepId=step` is added). */
const connectStepBase = "wss://connect/";

/** The framework name a Connect worker reports, as the official SDK's. */
export const connectFramework = "connect";

/** Which `SDKResponse.status` an HTTP answer maps to: a failure (4xx as 5xx) is an ERROR, so its no-retry header counts. */
function responseStatus(status: number): number {
  if (status === 206) return ResponseStatus.NotCompleted;
  if (status >= 200 && status < 300) return ResponseStatus.Done;
  return ResponseStatus.Error;
}

export class AppHandlers {
  private readonly handlers = new Map<string, (req: HandlerRequest) => Promise<HandlerResponse>>();

  constructor(private readonly apps: readonly ConnectApp[]) {
    if (apps.length === 0) throw new Error("Weft connect(): no apps given");
    for (const app of apps) {
      if (this.handlers.has(app.client.id)) throw new Error(`Weft connect(): app "${app.client.id}" is given twice`);
      // No request signature to check: calls come over the socket this worker opened with its own key.
      this.handlers.set(app.client.id, createServeHandler({ client: app.client, functions: app.functions }, connectFramework, { trustedCalls: true }));
    }
  }

  has(appName: string): boolean {
    return this.handlers.has(appName);
  }

  /** The `apps` of WORKER_CONNECT: each app's register-body `functions`, with Connect step URLs, as JSON bytes. */
  configurations(): AppConfiguration[] {
    return this.apps.map((app) => {
      const configs = functionConfigs({ config: app.client.config, functions: app.functions, framework: connectFramework }, connectStepBase).map((fn) => ({
        ...fn,
        steps: { ...fn.steps, step: { ...fn.steps.step, runtime: { ...fn.steps.step.runtime, type: "ws" as const } } },
      }));
      return { appName: app.client.id, functions: new TextEncoder().encode(JSON.stringify(configs)) };
    });
  }

  /** Run one request as the HTTP call it stands for, and answer its reply. */
  async run(request: ExecutorRequest): Promise<SdkResponse> {
    const handler = this.handlers.get(request.appName);
    if (!handler) throw new Error(`Weft connect(): no app "${request.appName}" in this worker`);
    const url = new URL("http://connect/");
    url.searchParams.set("fnId", request.functionSlug);
    if (request.stepId) url.searchParams.set("stepId", request.stepId);
    const answer = await handler({ method: "POST", url: url.href, headers: {}, body: new TextDecoder().decode(request.requestPayload) });
    const version = Number.parseInt(answer.headers[headers.reqVersion] ?? requestVersion, 10);
    return {
      requestId: request.requestId,
      accountId: request.accountId,
      envId: request.envId,
      appId: request.appId,
      status: responseStatus(answer.status),
      body: new TextEncoder().encode(answer.body),
      noRetry: answer.headers[headers.noRetry] === "true",
      retryAfter: answer.headers[headers.retryAfter],
      sdkVersion: sdkHeader,
      requestVersion: Number.isNaN(version) ? Number(requestVersion) : version,
      runId: request.runId,
    };
  }
}
