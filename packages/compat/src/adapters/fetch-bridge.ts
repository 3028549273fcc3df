// A fetch-style handler (Request → Response) served by node:http, as edge runtimes, Bun, Deno or
// Next.js route handlers would serve it. Written here rather than borrowed from a framework so the
// SDK's edge and Next handlers get standard Request objects and nothing else.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

export type FetchHandler = (request: Request) => Promise<Response>;

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks);
  return new Request(new URL(req.url ?? "/", `http://${req.headers.host}`), { method, headers, body });
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  // Streamed answers (the SDK's streaming mode) are passed on chunk by chunk, not buffered.
  if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

/** A node request listener that hands each request to `handler` and writes its Response back. */
export function fetchBridge(handler: FetchHandler): RequestListener {
  return (req, res) => {
    toRequest(req)
      .then(handler)
      .then((response) => writeResponse(response, res))
      .catch((e: unknown) => {
        // A bridge failure must show as a failed call, never a hung one.
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`bridge error: ${e instanceof Error ? e.message : String(e)}`);
      });
  };
}
