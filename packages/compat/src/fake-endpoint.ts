// A small HTTP endpoint standing in for a third-party API (step.fetch) or a model provider
// (step.ai.infer). It records what it was sent, so a test can check the request the server made.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  method: string;
  /** Path and query, e.g. `/echo?x=1`. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface FakeEndpoint {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeEndpoint(answer: (req: FakeRequest) => FakeAnswer): Promise<FakeEndpoint> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      const recorded = { method: req.method ?? "GET", path: req.url ?? "/", headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      const out = answer(recorded);
      res.writeHead(out.status, out.headers).end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
