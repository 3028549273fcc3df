// GET /dev (the dev server's introspection document) and the /v0 paths SDKs call, through a real
// server: each answers what the SDK expects or a JSON error, never a hang or an HTML page.
import { afterEach, describe, expect, it } from "vitest";
import { hashSigningKey, type FunctionConfig } from "@weft/core";
import { silentLogger } from "@weft/engine";
import { createMemoryStores } from "@weft/store";
import { startWeftServer, type WeftServer } from "./server.js";

const servers: WeftServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const signingKey = "signkey-test-0123456789abcdef";
const appUrl = "http://127.0.0.1:9/api/inngest";

async function start(opts: { signingKey?: string; apiToken?: string } = {}) {
  const stores = createMemoryStores();
  const config: FunctionConfig = {
    id: "shop-charge",
    name: "Charge",
    triggers: [{ event: "shop/order.placed" }],
    steps: { step: { id: "step", name: "step", runtime: { type: "http", url: `${appUrl}?fnId=shop-charge&stepId=step` } } },
  };
  await stores.registry.upsertApp({ id: "shop", url: appUrl, sdk: "js:v4.24.0", framework: "express" });
  await stores.registry.replaceFunctions("shop", [{ id: "shop-charge", appId: "shop", name: "Charge", config }]);
  await stores.state.createRun({
    runId: "01RUN",
    idempotencyKey: "shop-charge:e1",
    functionId: "shop-charge",
    appId: "shop",
    env: "dev",
    events: [{ id: "e1", name: "shop/order.placed", data: { order: 7 }, user: {}, ts: 1 }],
    createdAt: 1,
    maxAttempts: 4,
  });
  await stores.state.saveStep("01RUN", "a1b2", '{"data":{"charged":true}}');
  await stores.state.saveStep("01RUN", "c3d4", "null");
  const server = await startWeftServer({ stores, port: 0, log: silentLogger, syncIntervalMs: 60_000, ...opts });
  servers.push(server);
  return server;
}

async function get(url: string, headers: Record<string, string> = {}, method = "GET") {
  const res = await fetch(url, { method, headers });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as unknown };
}

describe("GET /dev", () => {
  it("lists the synced functions with the URL each is called at, and the apps", async () => {
    const server = await start();
    const { status, type, body } = await get(`${server.url}/dev`);
    expect(status).toBe(200);
    expect(type).toBe("application/json");
    expect(body).toMatchObject({
      version: expect.stringMatching(/^weft-/),
      functions: [
        {
          id: "shop-charge",
          slug: "shop-charge",
          name: "Charge",
          triggers: [{ event: "shop/order.placed" }],
          steps: [{ id: "step", name: "step", uri: `${appUrl}?fnId=shop-charge&stepId=step` }],
        },
      ],
      handlers: [{ app_id: "shop", url: appUrl, sdk: "js:v4.24.0", framework: "express", error: null, functions: ["shop-charge"] }],
      isMissingSigningKey: false,
      isMissingEventKeys: false,
    });
  });

  it("needs the API token when the server has one, since it names every app URL", async () => {
    const server = await start({ apiToken: "tok-1" });
    expect(await get(`${server.url}/dev`)).toMatchObject({ status: 401, body: { error: expect.stringContaining("API token") } });
    expect((await get(`${server.url}/dev`, { authorization: "Bearer tok-1" })).status).toBe(200);
  });
});

describe("GET /v0/runs/:runId/actions and /batch (the SDK's use_api fetches)", () => {
  it("answers the run's step results by hashed id and its trigger events, as a call body carries them", async () => {
    const server = await start();
    expect(await get(`${server.url}/v0/runs/01RUN/actions`)).toEqual({
      status: 200,
      type: "application/json",
      body: { a1b2: { data: { charged: true } }, c3d4: null },
    });
    expect(await get(`${server.url}/v0/runs/01RUN/batch`)).toMatchObject({
      status: 200,
      body: [{ id: "e1", name: "shop/order.placed", data: { order: 7 } }],
    });
  });

  it("refuses another signing key and answers an unknown run with the {error, status} the SDK parses", async () => {
    const server = await start({ signingKey });
    const auth = { authorization: `Bearer ${hashSigningKey(signingKey)}` };
    expect((await get(`${server.url}/v0/runs/01RUN/actions`, auth)).status).toBe(200);
    expect(await get(`${server.url}/v0/runs/01RUN/actions`, { authorization: "Bearer other" })).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining("signing key"), status: 401 },
    });
    expect(await get(`${server.url}/v0/runs/nope/batch`, auth)).toEqual({
      status: 404,
      type: "application/json",
      body: { error: "run nope not found, or ended and its state dropped", status: 404 },
    });
  });
});

describe("other /v0 paths", () => {
  it("a path no route serves is a JSON 404 at once (Connect's /v0/connect/* are served: see the compat connect tests)", async () => {
    const server = await start();
    expect(await get(`${server.url}/v0/gql`, {}, "POST")).toEqual({
      status: 404,
      type: "application/json",
      body: { error: "not found: POST /v0/gql" },
    });
  });
});
