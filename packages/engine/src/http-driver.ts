import { canonicalJson, describeTlsProblem, headers as wire, signRequest, type OutgoingOp, type SerializedError } from "@weft/core";
import { Agent, request } from "undici";
import { appTlsConnect } from "./app-tls.js";
import type { Driver, DriverRequest, DriverResponse } from "./driver.js";
import { parseRetryAfter } from "./retry-after.js";
import { isStreamProblem, streamedStatus, unwrapStreamed } from "./streamed-response.js";
import type { UrlPolicy } from "./url-policy.js";

export interface HttpDriverOptions {
  /**
   * Per-request timeout, from sending the request to the last byte of the answer (`--call-timeout`,
   * default 5 minutes); a hung app is retried like a 5xx.
   */
  timeoutMs?: number;
  /** Responses larger than this fail the run (default 8 MiB): a retry would send as much again. */
  maxResponseBytes?: number;
  /** Sign every call (`X-Inngest-Signature` over the canonical JSON body, protocol §10). */
  signingKey?: string;
  /** App URLs that may be called (`--allow-app-url`); a function whose URL is refused fails. */
  allowUrl?: UrlPolicy;
  /** A CA (PEM) trusted for `https://` apps besides Node's bundled roots (`--app-ca`); certificates are always verified. */
  appCa?: string | Buffer;
}

/**
 * Calls functions over the Inngest wire protocol with keep-alive connections (undici: global
 * fetch measured 4× slower here). One round trip per step.
 */
export class HttpDriver implements Driver {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly signingKey: string | undefined;
  private readonly allowUrl: UrlPolicy | undefined;

  constructor(opts: HttpDriverOptions = {}) {
    this.signingKey = opts.signingKey;
    this.allowUrl = opts.allowUrl;
    this.timeoutMs = opts.timeoutMs ?? 5 * 60_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 8 * 1024 * 1024;
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1, connect: appTlsConnect(opts.appCa) });
  }

  async call(req: DriverRequest): Promise<DriverResponse> {
    // Functions synced before --allow-app-url was set still carry their old URLs: check each call.
    const refused = this.allowUrl?.refusal(req.fn.config.steps.step.runtime.url);
    if (refused) return failure("AppUrlNotAllowed", `not calling ${req.fn.id}: ${refused}`, false);
    const url = new URL(req.fn.config.steps.step.runtime.url);
    url.searchParams.set("fnId", req.fn.id);
    url.searchParams.set("stepId", req.stepId);
    // The SDK verifies the signature over the canonical JSON of what it parsed, so send exactly that.
    const body = this.signingKey ? canonicalJson(JSON.parse(req.body)) : req.body;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      [wire.runId]: req.runId,
      [wire.stepId]: req.stepId,
      [wire.reqVersion]: String(req.version),
    };
    if (this.signingKey) headers[wire.signature] = signRequest(body, this.signingKey);
    // The app's own spans (the SDK's OTel middleware, its instrumentation) join the run's trace.
    if (req.traceparent !== undefined) headers.traceparent = req.traceparent;
    const where = `${url.origin}${url.pathname}`;
    // One deadline for the whole exchange: undici's own timeouts are per phase and idle-based, so
    // an app that trickles a byte a minute would never time out under them.
    // A streamed answer (201, protocol §15) is read under the same deadline and size limit: the
    // SDK's keep-alive whitespace does not extend the call, and counts towards the limit.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let streamed = false;
    try {
      const res = await request(url, { method: "POST", dispatcher: this.agent, body, headers, signal: abort.signal });
      streamed = res.statusCode === streamedStatus;
      const text = await readLimited(res.body, this.maxResponseBytes);
      if (text === undefined) {
        return failure("ResponseTooLarge", `the answer of ${req.fn.id} from ${where} exceeded the response limit of ${this.maxResponseBytes} bytes`, false);
      }
      if (res.statusCode >= 300 && res.statusCode < 400) {
        // Never followed: a redirect could point the server anywhere, and would re-send the signed body.
        const location = header(res.headers.location) ?? "no location";
        return failure(
          "Redirected",
          `${where} answered ${res.statusCode} redirecting to ${location}: Weft does not follow redirects; sync the app at its final URL`,
          false,
        );
      }
      const outer = (name: string) => header(res.headers[name]);
      if (!streamed) return interpret(res.statusCode, outer, text);
      const inner = unwrapStreamed(text);
      if (isStreamProblem(inner)) {
        return failure("InvalidResponse", `${where} streamed its answer (${streamedStatus}) for ${req.fn.id} but ${inner.problem}`);
      }
      // The envelope's headers are the answer's own (no-retry, retry-after, …); the outer ones fill gaps.
      return interpret(inner.status, (name) => inner.headers[name] ?? outer(name), inner.body);
    } catch (e) {
      if (abort.signal.aborted && streamed) {
        return failure("Timeout", `${where} streamed its answer but did not finish it within ${this.timeoutMs} ms (the call timeout, --call-timeout)`);
      }
      if (abort.signal.aborted) return failure("Timeout", `${where} did not answer within ${this.timeoutMs} ms (the call timeout, --call-timeout)`);
      // Refused, reset, closed part way through the body, or a certificate not trusted (yet): retried like a 5xx.
      const tls = describeTlsProblem(e, { ca: "--app-ca FILE", clientCert: "a client certificate (not supported for app calls)" });
      return failure("NetworkError", `calling ${where} failed: ${(e as Error).message}${tls ? ` (${tls})` : ""}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function failure(name: string, message: string, retriable = true, retryAfterMs?: number): DriverResponse {
  return { type: "error", error: { name, message }, retriable, retryAfterMs };
}

/** Protocol §4: turn an SDK response into a driver response. Exported for the tests. */
export function interpret(status: number, get: (name: string) => string | undefined, text: string): DriverResponse {
  const versionText = get(wire.reqVersion);
  const version = versionText !== undefined && versionText !== "" ? Number(versionText) : undefined;
  const noRetryHeader = get(wire.noRetry);
  const retryAfterMs = parseRetryAfter(get(wire.retryAfter), Date.now());
  let body: unknown;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    return failure("InvalidResponse", `status ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (status === 401 && get(wire.sdk) === undefined) {
    return failure("Unauthorized", "the app refused the request's signature (401): its signing key differs from the server's --signing-key");
  }
  if (status >= 200 && status < 300) {
    if (get(wire.sdk) === undefined) {
      return failure("InvalidResponse", `status ${status} without an ${wire.sdk} header: not an SDK response`);
    }
    if (status === 206) {
      const list: unknown[] = Array.isArray(body) ? body : body === null ? [] : [body];
      if (!list.every(isOp)) return failure("InvalidResponse", `206 with something that is not an op: ${text.slice(0, 200)}`);
      const ops = list;
      const complete = ops.find((op) => op.op === "RunComplete");
      if (complete && ops.every((op) => op.op === "RunComplete" || isLazy(op))) {
        return { type: "complete", data: complete.data ?? null, version };
      }
      return { type: "ops", ops, version, noRetry: noRetryHeader === "true", retryAfterMs };
    }
    return { type: "complete", data: body, version };
  }
  const error = toSerializedError(body, status);
  // Obey the SDK's no-retry header when present; otherwise every failure is retried.
  const retriable = noRetryHeader === undefined ? true : noRetryHeader !== "true";
  return { type: "error", error, retriable, retryAfterMs, version };
}

function isOp(value: unknown): value is OutgoingOp {
  return value !== null && typeof value === "object" && typeof (value as OutgoingOp).op === "string" && typeof (value as OutgoingOp).id === "string";
}

export function isLazy(op: OutgoingOp): boolean {
  return op.op === "DeferAdd" || op.op === "DeferAbort";
}

function toSerializedError(body: unknown, status: number): SerializedError {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const message = typeof b.message === "string" ? b.message : typeof b.error === "string" ? b.error : undefined;
    if (message !== undefined) {
      return { ...b, name: typeof b.name === "string" ? b.name : "Error", message };
    }
  }
  return { name: "Error", message: `the app answered ${status}: ${JSON.stringify(body)?.slice(0, 200)}` };
}
