import { createServer } from "node:http";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Weft, serve } from "@weft/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { callBody, h, startFakeServer } from "./helpers.js";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe("serve (node:http)", () => {
  it("works behind an Express-style mount and body parser (req.body, req.originalUrl)", async () => {
    const server = await startFakeServer();
    const weft = new Weft({ id: "app", baseUrl: server.url });
    const fn = weft.createFunction({ id: "f" }, { event: "app/test" }, async ({ step }) => step.run("a", () => "A"));
    const handler = serve({ client: weft, functions: [fn] });

    // What `app.use(express.json()); app.use("/api/inngest", handler)` hands over.
    const http = createServer((req: IncomingMessage & { body?: unknown; originalUrl?: string }, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        req.body = text ? JSON.parse(text) : {};
        req.originalUrl = req.url;
        req.url = (req.url ?? "/").replace(/^\/api\/inngest/, "") || "/";
        void handler(req, res);
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    closers.push(() => http.close());
    const app = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;

    const put = await fetch(app, { method: "PUT", body: "{}" });
    expect(put.status).toBe(200);
    expect((server.requests[0]?.json as { url: string } | undefined)?.url).toBe(app);

    const res = await fetch(`${app}?fnId=app-f&stepId=step`, { method: "POST", body: JSON.stringify(callBody({ fnId: "app-f" })) });
    expect(res.status).toBe(206);
    expect(await res.json()).toEqual([expect.objectContaining({ id: h("a"), op: "StepRun", data: "A" })]);
  });

  it("answers 500 (retriable, no no-retry header) for a body that is not a call", async () => {
    const weft = new Weft({ id: "app" });
    const fn = weft.createFunction({ id: "f" }, { event: "app/test" }, async () => 1);
    const http = createServer(serve({ client: weft, functions: [fn] }));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    closers.push(() => http.close());
    const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/?fnId=app-f`, { method: "POST", body: "nope" });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-inngest-no-retry")).toBeNull();
    expect(await res.json()).toMatchObject({ type: "internal" });
  });
});
