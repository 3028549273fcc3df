// inngest v3's serve adapters (fastify, koa, node, edge, next), unmodified.
import { serve as serveEdge } from "inngest-v3/edge";
import { serve as serveFastify } from "inngest-v3/fastify";
import { serve as serveKoa } from "inngest-v3/koa";
import { serve as serveNext } from "inngest-v3/next";
import { serve as serveNode } from "inngest-v3/node";
import type { AdapterSet, NextRouteHandlers } from "./adapter-set.js";

export const adaptersV3: AdapterSet = {
  fastify: (opts) => serveFastify(opts as never),
  koa: (opts) => serveKoa(opts as never),
  node: (opts) => serveNode(opts as never),
  edge: (opts) => serveEdge(opts as never),
  next: (opts) => serveNext(opts as never) as unknown as NextRouteHandlers,
};
