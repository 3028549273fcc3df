// Serve an official-SDK app at http://127.0.0.1:<port>/api/inngest with one of the SDK's adapters
// (fastify, koa, node, edge, next), each mounted the way its docs show. Every answer's status and
// headers are recorded at the node:http level, the same for every framework.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import Koa from "koa";
import type { CompatClient, CompatFunction, SdkUnderTest } from "../sdk-under-test.js";
import type { AdapterName, AdapterSet, InngestFastifyRoute } from "./adapter-set.js";
import { fetchBridge } from "./fetch-bridge.js";

const path = "/api/inngest";

export interface AdapterAnswer {
  method: string;
  status: number;
  headers: Record<string, string>;
}

export interface AdapterApp {
  url: string;
  answers: AdapterAnswer[];
  close(): Promise<void>;
}

function record(answers: AdapterAnswer[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    // Headers given to writeHead (fastify, the fetch bridge) are not in getHeaders(): keep a copy.
    const given: Record<string, string> = {};
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      const headers = args.find((a, i) => i > 0 && typeof a === "object" && a !== null && !Array.isArray(a));
      for (const [name, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) given[name.toLowerCase()] = String(value);
      return writeHead(...args);
    }) as ServerResponse["writeHead"];
    res.on("finish", () => {
      const headers: Record<string, string> = { ...given };
      for (const [name, value] of Object.entries(res.getHeaders())) headers[name] = String(value);
      answers.push({ method: req.method ?? "GET", status: res.statusCode, headers });
    });
  };
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
}

/** The server for one adapter; the handler is built once from the SDK's serve options. */
async function serverFor(name: AdapterName, adapters: AdapterSet, opts: unknown): Promise<{ server: Server; close?: () => Promise<void> }> {
  switch (name) {
    case "fastify": {
      const app = Fastify();
      app.route<InngestFastifyRoute>({ method: ["GET", "POST", "PUT"], url: path, handler: adapters.fastify(opts) });
      await app.listen({ port: 0, host: "127.0.0.1" });
      return { server: app.server, close: () => app.close() };
    }
    case "koa": {
      const app = new Koa();
      // The koa adapter reads ctx.request.body: parse JSON here, as koa-bodyparser would.
      const handler = adapters.koa(opts);
      app.use(async (ctx) => {
        if (ctx.path !== path) return;
        const chunks: Buffer[] = [];
        for await (const chunk of ctx.req as AsyncIterable<Buffer>) chunks.push(chunk);
        const text = Buffer.concat(chunks).toString("utf8");
        (ctx.request as { body?: unknown }).body = text === "" ? undefined : JSON.parse(text);
        await handler(ctx);
      });
      const server = createServer(app.callback());
      await listen(server);
      return { server };
    }
    case "node": {
      const server = createServer(adapters.node(opts));
      await listen(server);
      return { server };
    }
    case "edge": {
      const server = createServer(fetchBridge(adapters.edge(opts)));
      await listen(server);
      return { server };
    }
    case "next": {
      // A route module's exports, called by method as Next's router would.
      const route = adapters.next(opts);
      const byMethod: Record<string, (r: Request) => Promise<unknown>> = { GET: route.GET, POST: route.POST, PUT: route.PUT };
      const server = createServer(
        fetchBridge(async (request) => {
          const handle = byMethod[request.method];
          if (!handle) return new Response(null, { status: 405 });
          return (await handle(request)) as Response;
        }),
      );
      await listen(server);
      return { server };
    }
  }
}

/** Serve `functions` with the SDK version's `name` adapter. Does not sync. */
export async function serveWithAdapter(
  sdk: SdkUnderTest,
  adapters: AdapterSet,
  name: AdapterName,
  client: CompatClient,
  functions: CompatFunction[],
): Promise<AdapterApp> {
  const answers: AdapterAnswer[] = [];
  const { server, close } = await serverFor(name, adapters, sdk.serveOptions(client, functions));
  server.prependListener("request", record(answers));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    answers,
    async close() {
      server.closeAllConnections();
      if (close) await close();
      else await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
