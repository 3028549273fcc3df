/**
 * Telling the server about the app (protocol §1): introspection for `GET`, out-of-band sync
 * (`POST {baseUrl}/fn/register`) and in-band sync (the register body as the `PUT` reply).
 */
import { hashSigningKey, headers } from "@weft/core";
import type { FunctionConfig, RegisterRequest } from "@weft/core";
import type { ClientConfig } from "./config.js";
import { dummyEventKey, sdkBodyId, sdkHeader, sdkVersion } from "./constants.js";
import type { WeftFunction } from "./function.js";
import { postToServer } from "./server-post.js";

/** What the sync code needs to know about one serve handler. */
export interface SyncContext {
  config: ClientConfig;
  functions: readonly WeftFunction<unknown, unknown>[];
  framework: string;
}

/** A sync reply, before the serve handler adds its common headers. */
export interface SyncReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function functionConfigs(ctx: SyncContext, serveUrl: string): FunctionConfig[] {
  return ctx.functions.flatMap((fn) => fn.getConfig(serveUrl));
}

/** The `GET` body (the unauthenticated shape; the dev server uses it to find SDKs). */
export function introspection(ctx: SyncContext): Record<string, unknown> {
  return {
    extra: { native_crypto: true },
    has_event_key: ctx.config.eventKey !== dummyEventKey,
    has_signing_key: ctx.config.signingKey !== undefined,
    function_count: ctx.functions.reduce((n, fn) => n + (fn.definition.onFailure ? 2 : 1), 0),
    mode: ctx.config.mode,
    schema_version: "2024-05-24",
  };
}

/**
 * Out-of-band sync: register with the server, then answer the `PUT` with `{message, modified}`.
 * The server's JSON `status` (default 200) becomes the status of the answer, as in inngest-js.
 */
export async function registerOutOfBand(ctx: SyncContext, serveUrl: string, options: { deployId?: string; serverKind?: string }): Promise<SyncReply> {
  const { config } = ctx;
  const body: RegisterRequest = {
    url: serveUrl,
    deployType: "ping",
    framework: ctx.framework,
    appName: config.appId,
    sdk: sdkBodyId,
    v: "0.1",
    ...(options.deployId ? { deployId: options.deployId } : {}),
    capabilities: {},
    functions: functionConfigs(ctx, serveUrl),
  };
  const url = new URL("/fn/register", config.baseUrl);
  if (options.deployId) url.searchParams.set("deployId", options.deployId);
  const requestHeaders: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": sdkHeader,
    [headers.sdk]: sdkHeader,
    [headers.syncKind]: "out_of_band",
    [headers.framework]: ctx.framework,
  };
  if (options.serverKind) requestHeaders[headers.expectedServerKind] = options.serverKind;
  if (config.signingKey) requestHeaders.authorization = `Bearer ${hashSigningKey(config.signingKey)}`;

  const reply = (status: number, message: string, modified: boolean): SyncReply => ({
    status,
    headers: { [headers.syncKind]: "out_of_band" },
    body: { message, modified },
  });
  let text: string;
  try {
    ({ text } = await postToServer(config, url, requestHeaders, JSON.stringify(body)));
  } catch (err) {
    return reply(500, `Failed to register with ${url.origin}: ${err instanceof Error ? err.message : String(err)}`, false);
  }
  let parsed: { status?: unknown; error?: unknown; modified?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
    if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
  } catch {
    return reply(500, `Failed to register with ${url.origin}: the reply is not a JSON object`, false);
  }
  const status = typeof parsed.status === "number" ? parsed.status : 200;
  const message = typeof parsed.error === "string" ? parsed.error : "Successfully registered";
  return reply(status, message, parsed.modified === true);
}

/** In-band sync: the `PUT` body must be exactly `{"url": "..."}`; the answer is the register body. */
export function registerInBand(ctx: SyncContext, rawBody: string): SyncReply {
  let url: unknown;
  try {
    const body = JSON.parse(rawBody) as unknown;
    if (typeof body === "object" && body !== null && !Array.isArray(body) && Object.keys(body).join() === "url") {
      url = (body as { url: unknown }).url;
    }
  } catch {
    // fall through to the 400 below
  }
  if (typeof url !== "string" || !URL.canParse(url)) {
    return { status: 400, headers: {}, body: { code: "invalid_request", message: 'In-band sync needs a body of exactly {"url": "<url>"}' } };
  }
  const dev = ctx.config.mode === "dev";
  return {
    status: 200,
    headers: { [headers.syncKind]: "in_band" },
    body: {
      app_id: ctx.config.appId,
      capabilities: {},
      env: null,
      framework: ctx.framework,
      functions: functionConfigs(ctx, url),
      inspection: introspection(ctx),
      sdk_author: "weft",
      sdk: sdkBodyId,
      sdk_language: dev ? "" : "js",
      sdk_version: dev ? "" : sdkVersion,
      url,
    },
  };
}
