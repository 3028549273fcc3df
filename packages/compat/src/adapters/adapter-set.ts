// The serve adapters of one SDK version beyond express and hono, each as that version's own
// `serve` from `inngest/<adapter>`. Options are the SDK adapter's `serveOptions` (opaque here).
import type { RequestListener } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type Koa from "koa";
import type { FetchHandler } from "./fetch-bridge.js";

/** A Next.js App Router route module: `export const { GET, POST, PUT } = serve(...)`. */
export interface NextRouteHandlers {
  GET(request: Request, context?: unknown): Promise<unknown>;
  POST(request: Request, context?: unknown): Promise<unknown>;
  PUT(request: Request, context?: unknown): Promise<unknown>;
}

/** The request type the SDK's fastify handler is declared with (any query string). */
export type InngestFastifyRoute = { Querystring: Record<string, string | undefined> };

export interface AdapterSet {
  /** `serve` from `inngest/fastify`: a route handler (the app parses JSON, as fastify does by default). */
  fastify(opts: unknown): (req: FastifyRequest<InngestFastifyRoute>, reply: FastifyReply) => unknown;
  /** `serve` from `inngest/koa`: a middleware that reads `ctx.request.body` (parsed by the app). */
  koa(opts: unknown): (ctx: Koa.Context) => Promise<void>;
  /** `serve` from `inngest/node`: a node:http request listener. */
  node(opts: unknown): RequestListener;
  /** `serve` from `inngest/edge`: Request → Response. */
  edge(opts: unknown): FetchHandler;
  /** `serve` from `inngest/next`. */
  next(opts: unknown): NextRouteHandlers;
}

export type AdapterName = keyof AdapterSet;
export const adapterNames: AdapterName[] = ["fastify", "koa", "node", "edge", "next"];
