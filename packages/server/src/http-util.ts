import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidInputError, isWeftError, LimitExceededError } from "@weft/core";
import { depthOver } from "@weft/engine";

/** A request body over its limit: refused before it is parsed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds the limit of ${limit} bytes`);
  }
}

/** Read a body as text, refusing it as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return (await readBodyBytes(req, limit)).toString("utf8");
}

/** Read a body as bytes (protobuf, …), refusing it as soon as it passes `limit` bytes. */
export async function readBodyBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  if (Number.isFinite(declared) && req.headers["transfer-encoding"] === undefined) return declaredBody(req);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A body of a declared length within the limit, read with plain `data`/`end` listeners: the async
 * iterator costs ~10 µs more a request in promises and ticks (profiled on the checkpoint route, which
 * an SDK awaits after every step). The parser holds the body to its declared length, so no size
 * check is needed here; a chunked body goes through the iterator above.
 */
function declaredBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
    // Closed before the body was whole, without an error (the client went away): refused, as the
    // iterator would. Every request closes once answered: no error is built for those.
    req.once("close", () => {
      if (!req.complete) reject(new Error("the request closed before its body ended"));
    });
  });
}

/**
 * Parse JSON, or say why not. Parsing is iterative and survives any nesting, but serialising the
 * value again (hashing, storing) recurses: a body nested deeper than `maxDepth` is refused here.
 * The event routes pass Infinity, since the engine holds events to the tighter `--max-event-depth`.
 */
export function parseJson(text: string, maxDepth = 512): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `body is not valid JSON: ${(e as Error).message}` };
  }
  if (depthOver(value, maxDepth)) return { ok: false, error: `body nests objects and arrays deeper than ${maxDepth} levels` };
  return { ok: true, value };
}

/** How to refuse input the engine turned down: 413 over a limit, 400 otherwise; undefined for other errors. */
export function refusalStatus(e: unknown): 400 | 413 | undefined {
  if (isWeftError(e, LimitExceededError)) return 413;
  if (isWeftError(e, InvalidInputError)) return 400;
  return undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
