import { createServeHandler } from "./serve-handler.js";
import type { ServeOptions } from "./serve-handler.js";

/**
 * The serve endpoint for fetch-style frameworks (Hono, Next.js route handlers, Bun, Deno, …):
 * `(req: Request) => Promise<Response>`.
 */
export function serveFetch(options: ServeOptions): (req: Request) => Promise<Response> {
  const handle = createServeHandler(options, "fetch");
  return async (req) => {
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const out = await handle({ method: req.method, url: req.url, headers, body: await req.text() });
    return new Response(out.body, { status: out.status, headers: out.headers });
  };
}
