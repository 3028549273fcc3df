import type { IncomingMessage, ServerResponse } from "node:http";
import { createServeHandler } from "./serve-handler.js";
import type { ServeOptions } from "./serve-handler.js";

/** Express and similar frameworks may have read the body already and mounted the handler on a sub-path. */
type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

async function readBody(req: NodeRequest): Promise<string> {
  const parsed = req.body;
  if (typeof parsed === "string") return parsed;
  if (Buffer.isBuffer(parsed)) return parsed.toString("utf8");
  if (parsed !== undefined && req.readableEnded) return JSON.stringify(parsed); // a body parser consumed the stream
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function requestUrl(req: NodeRequest): string {
  const forwarded = req.headers["x-forwarded-proto"];
  const proto =
    (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() || ((req.socket as { encrypted?: boolean }).encrypted ? "https" : "http");
  return new URL(req.originalUrl ?? req.url ?? "/", `${proto}://${req.headers.host ?? "localhost"}`).href;
}

/**
 * The serve endpoint for node:http, Express and anything else with `(req, res)`:
 * `http.createServer(serve({ client, functions }))` or `app.use("/api/inngest", serve(...))`.
 */
export function serve(options: ServeOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const handle = createServeHandler(options, "node");
  return async (req, res) => {
    try {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      const out = await handle({ method: req.method ?? "GET", url: requestUrl(req), headers, body: await readBody(req) });
      res.writeHead(out.status, out.headers).end(out.body);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ type: "internal", error: err instanceof Error ? err.message : String(err) }));
    }
  };
}
