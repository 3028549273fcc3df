// A server exposed to a network must not become a proxy to internal addresses: app URLs that may
// be synced or called (`--allow-app-url`) and step.fetch targets (`--allow-fetch-url`) can be
// restricted, and every way in (POST /v1/apps, -u, in-band sync replies, POST /fn/register and
// the step URLs inside it) is checked.
import { spawnSync } from "node:child_process";
import type { createServer, Server } from "node:http";
import { Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, serveApp, startTestWeft, stepsOf, type TestWeft, listenPlain } from "../src/index.js";
import { cliPath, requireBuiltCli } from "../src/processes.js";

let weft: TestWeft;
const servers: Server[] = [];

const listen = (handler: Parameters<typeof createServer>[1]) => listenPlain(handler, servers);

beforeAll(async () => {
  weft = await startTestWeft({
    store: "memory",
    retryIntervalMs: 20,
    server: { allowAppUrls: ["http://127.0.0.1:*/api/inngest"], allowFetchUrls: ["http://127.0.0.1:*/public/**"] },
  });
});
afterAll(async () => {
  for (const s of servers) s.closeAllConnections(), s.close();
  await weft?.close();
});

async function post(path: string, body: unknown) {
  const res = await request(new URL(path, weft.url), { method: "POST", body: JSON.stringify(body) });
  return { status: res.statusCode, json: (await res.body.json()) as { error?: string; data?: { ok: boolean; error?: string } } };
}

const fn = (id: string, url: string) => ({
  id,
  name: id,
  triggers: [{ event: `access/${id}` }],
  steps: { step: { id: "step", name: "step", runtime: { type: "http", url } } },
});

describe("--allow-app-url", () => {
  it.each([
    ["a cloud metadata address", "http://169.254.169.254/latest/meta-data"],
    ["another host name for loopback", "http://localhost:3000/api/inngest"],
    ["user info posing as the allowed host", "http://127.0.0.1:80@10.0.0.1/api/inngest"],
    ["another path", "http://127.0.0.1:3000/admin"],
  ])("POST /v1/apps refuses %s with 403 naming the flag", async (_what, url) => {
    const { status, json } = await post("/v1/apps", { url });
    expect(status).toBe(403);
    expect(json.error).toMatch(/app URL refused: .* is not allowed by --allow-app-url \(allowed: http:\/\/127\.0\.0\.1:\*\/api\/inngest\)/);
  });

  it("POST /fn/register refuses an app URL, or any function step URL, outside the patterns", async () => {
    const outside = await post("/fn/register", { appName: "intruder", url: "http://10.0.0.1/api/inngest", functions: [] });
    expect(outside.status).toBe(403);
    expect(outside.json.error).toMatch(/http:\/\/10\.0\.0\.1\/api\/inngest is not allowed by --allow-app-url/);
    const sneaky = await post("/fn/register", {
      appName: "intruder",
      url: "http://127.0.0.1:1/api/inngest",
      functions: [fn("f", "http://10.0.0.1:8080/api/inngest")],
    });
    expect(sneaky.status).toBe(403);
    expect(sneaky.json.error).toMatch(/10\.0\.0\.1:8080\/api\/inngest is not allowed/);
    const { data } = await api<{ data: { id: string }[] }>(weft.url, "GET", "/v1/functions");
    expect(data.map((f) => f.id)).not.toContain("f");
  });

  it("an in-band sync reply naming an address outside the patterns is refused", async () => {
    const base = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-inngest-sync-kind": "in_band" });
      res.end(JSON.stringify({ app_id: "in-band-intruder", url: "http://10.0.0.1/api/inngest", functions: [fn("g", "http://10.0.0.1/api/inngest")] }));
    });
    const { status, json } = await post("/v1/apps", { url: `${base}/api/inngest` });
    expect(status).toBe(200);
    expect(json.data?.ok).toBe(false);
    expect(json.data?.error).toMatch(/10\.0\.0\.1\/api\/inngest is not allowed by --allow-app-url/);
  });

  it("an allowed app syncs and runs", async () => {
    const client = new Weft({ id: "allowed-app", baseUrl: weft.url });
    const hello = client.createFunction({ id: "hello" }, { event: "access/hello" }, async () => "hi");
    const app = await serveApp(weft, client, [hello]);
    try {
      const run = await runOf(weft, "access/hello");
      expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe("hi");
    } finally {
      await app.close();
    }
  });

  it("weft start refuses a -u outside the patterns", () => {
    requireBuiltCli();
    const out = spawnSync(
      process.execPath,
      [
        cliPath,
        "start",
        "--insecure-dev",
        "--db",
        "memory:",
        "--port",
        "0",
        "-u",
        "http://10.0.0.1/api/inngest",
        "--allow-app-url",
        "http://127.0.0.1:*/api/inngest",
      ],
      { encoding: "utf8", timeout: 10_000 },
    );
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/-u http:\/\/10\.0\.0\.1\/api\/inngest: .* is not allowed by --allow-app-url/);
  });
});

describe("--allow-fetch-url", () => {
  it("step.fetch to a target outside the patterns fails the step with the reason; an allowed target is fetched", { timeout: 10_000 }, async () => {
    let internalHits = 0;
    const target = await listen((req, res) => {
      if (!req.url?.startsWith("/public/")) internalHits++;
      res.end(`fetched ${req.url}`);
    });
    // A bare app: plan one step.fetch (a Gateway op), then return what the step stored.
    const appBase = await listen((req, res) => {
      let text = "";
      req.on("data", (d) => (text += d));
      req.on("end", () => {
        const { steps } = JSON.parse(text) as { steps: Record<string, unknown> };
        const path = new URL(req.url ?? "/", "http://x").searchParams.get("fnId") === "fetch-public" ? "/public/data" : "/internal/secrets";
        const headers = { "content-type": "application/json", "x-inngest-sdk": "js:v3.0.0" };
        if ("fetch1" in steps) res.writeHead(200, headers).end(JSON.stringify(steps.fetch1));
        else
          res.writeHead(206, headers).end(JSON.stringify([{ id: "fetch1", op: "Gateway", name: "fetch", opts: { url: `${target}${path}`, method: "GET" } }]));
      });
    });
    const url = `${appBase}/api/inngest`;
    await api(weft.url, "POST", "/fn/register", { appName: "fetcher", url, functions: [fn("fetch-public", url), fn("fetch-internal", url)] });

    const ok = await runOf(weft, "access/fetch-public");
    const done = await runWithStatus(weft, ok.run_id, "Completed");
    expect(JSON.stringify(done.output)).toContain("fetched /public/data");

    const refused = await runOf(weft, "access/fetch-internal");
    const ended = await runWithStatus(weft, refused.run_id, "Completed");
    expect(ended.output).toMatchObject({
      error: { name: "FetchUrlNotAllowed", message: expect.stringMatching(/\/internal\/secrets is not allowed by --allow-fetch-url/) },
    });
    const line = (await stepsOf(weft, refused.run_id)).find((s) => s.op === "Gateway");
    expect(line?.status).toBe("Failed");
    expect(internalHits).toBe(0);
  });
});
