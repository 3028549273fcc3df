import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { hashSigningKey } from "@weft/core";
import type { Engine, Logger } from "@weft/engine";
import { bearerOf } from "./auth.js";
import { parseJson, readBody, sendJson } from "./http-util.js";
import type { Router } from "./router.js";

/** The answer to a saved checkpoint, built once: it is sent after every step an SDK runs. */
const savedBody = Buffer.from(JSON.stringify({ ok: true }));
const savedHeaders = { "content-type": "application/json", "content-length": String(savedBody.length) };

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * `POST /v1/checkpoint/:runId/async`: v4 SDKs post step results here while they run steps
 * in-process; answered by `Engine.answerCheckpoint`, after the signing key is checked.
 *
 * The SDK awaits each answer before it goes on with the handler, so the route's own work sits on
 * the path of every step: the hashed signing key is digested once, the body is read with plain
 * listeners (`bodyOf`), and the 200 is a prepared buffer.
 */
export function checkpointRoutes(router: Router, engine: Engine, opts: { maxBodyBytes: number; signingKey?: string; log: Logger }): void {
  // Compared as SHA-256 digests in constant time, as `sdkAuthorized` does, without hashing the key again per request.
  const expected = opts.signingKey ? digest(hashSigningKey(opts.signingKey)) : undefined;
  router.on("POST", "/v1/checkpoint/:runId/async", async ({ req, res, params }) => {
    if (expected !== undefined && !timingSafeEqual(digest(bearerOf(req)), expected)) {
      opts.log.warn("refused a checkpoint: the app's signing key differs from the server's --signing-key", { runId: params.runId });
      sendJson(res, 401, { error: "unauthorized: the app's signing key does not match the server's" });
      return;
    }
    const parsed = parseJson(await bodyOf(req, opts.maxBodyBytes));
    const answer = await engine.answerCheckpoint(params.runId ?? "", parsed.ok ? parsed.value : undefined);
    if (answer.status !== 200) return sendJson(res, answer.status, answer.body);
    res.writeHead(200, savedHeaders);
    res.end(savedBody);
  });
}

/**
 * The body as text, read with plain `data`/`end` listeners: `readBody`'s async iterator costs ~10 µs
 * more a request in promises and ticks (profiled), on a route an SDK awaits after each step.
 * With a declared length within the limit the parser holds the body to that length, so nothing
 * else needs checking; a chunked body, or one declared over the limit, goes through `readBody` as
 * on every other route.
 */
function bodyOf(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (!Number.isFinite(declared) || declared > limit || req.headers["transfer-encoding"] !== undefined) return readBody(req, limit);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
    // Closed before the body was whole, without an error (the client went away): refused, as the
    // iterator would. Every request closes once answered: no error is built for those.
    req.once("close", () => {
      if (!req.complete) reject(new Error("the request closed before its body ended"));
    });
  });
}
