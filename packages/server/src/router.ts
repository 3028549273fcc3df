import type { IncomingMessage, ServerResponse } from "node:http";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
}

type Handler = (ctx: RouteContext) => Promise<void>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

/** A small path router: `/v1/runs/:runId/steps` style patterns, exact segment counts. */
export class Router {
  private routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  /** The handler for a request, or why there is none (404 vs 405). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | "not-found" | "method" {
    const segments = path.split("/").filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = route.parts.every((p, i) => {
        const s = segments[i] ?? "";
        if (p.startsWith(":")) {
          params[p.slice(1)] = decodeURIComponent(s);
          return true;
        }
        return p === s;
      });
      if (!ok) continue;
      pathMatched = true;
      if (route.method === method) return { handler: route.handler, params };
    }
    return pathMatched ? "method" : "not-found";
  }
}
