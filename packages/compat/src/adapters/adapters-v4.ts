// inngest v4's serve adapters (fastify, koa, node, edge, next), unmodified.
import { serve as serveEdge } from "inngest/edge";
import { serve as serveFastify } from "inngest/fastify";
import { serve as serveKoa } from "inngest/koa";
import { serve as serveNext } from "inngest/next";
import { serve as serveNode } from "inngest/node";
import type { AdapterSet, NextRouteHandlers } from "./adapter-set.js";

export const adaptersV4: AdapterSet = {
  fastify: (opts) => serveFastify(opts as never),
  koa: (opts) => serveKoa(opts as never),
  node: (opts) => serveNode(opts as never),
  edge: (opts) => serveEdge(opts as never),
  next: (opts) => serveNext(opts as never) as unknown as NextRouteHandlers,
};
