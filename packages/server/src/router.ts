import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidInputError } from "@weft/core";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
}

type Handler = (ctx: RouteContext) => Promise<void>;

interface Route {
  method: string;
  pattern: string;
  parts: string[];
  handler: Handler;
}

/**
 * One path segment as a parameter value. Bad percent-encoding (`%E0`, `%ZZ`) and NUL characters
 * (which no store key holds, and Postgres text refuses) are the client's mistake: a 400, never
 * a throw that escapes the request.
 */
function decodeParam(name: string, segment: string): string {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch {
    throw new InvalidInputError(`the path's ${name} is not valid percent-encoded UTF-8`);
  }
  if (value.includes("\0")) throw new InvalidInputError(`the path's ${name} contains a NUL character`);
  return value;
}

/** A small path router: `/v1/runs/:runId/steps` style patterns, exact segment counts. */
export class Router {
  private routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern, parts: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  /** Every route, as registered (the route fuzzer walks them). */
  table(): { method: string; pattern: string }[] {
    return this.routes.map(({ method, pattern }) => ({ method, pattern }));
  }

  /**
   * The handler for a request, or why there is none (404 vs 405). Throws `InvalidInputError` for a
   * parameter that does not decode.
   */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | "not-found" | "method" {
    const segments = path.split("/").filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.parts.length !== segments.length) continue;
      if (!route.parts.every((p, i) => p.startsWith(":") || p === segments[i])) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.parts.forEach((p, i) => {
        if (p.startsWith(":")) params[p.slice(1)] = decodeParam(p.slice(1), segments[i] ?? "");
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? "method" : "not-found";
  }
}
