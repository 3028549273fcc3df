import { Weft, serve } from "@weft/sdk";
import { describe, expect, it } from "vitest";
import { startApp, startFakeServer } from "./helpers.js";

async function setup(serveOpts: { servePath?: string; serveHost?: string } = {}) {
  const server = await startFakeServer();
  const weft = new Weft({ id: "my-app", baseUrl: server.url });
  const activation = weft.createFunction(
    {
      id: "activation-email",
      name: "Activation email",
      retries: 3,
      onFailure: () => undefined,
      cancelOn: [
        { event: "app/user.deleted", match: "data.user.id", timeout: "7d" },
        { event: "app/stop", if: "async.data.all" },
      ],
      concurrency: { limit: 5, key: "event.data.user.id" },
      throttle: { limit: 1, period: "1m" },
      idempotency: "event.data.user.id",
    },
    { event: "app/user.created", if: "event.data.user.id != ''" },
    async () => "ok",
  );
  const daily = weft.createFunction({ id: "daily", triggers: [{ cron: "0 9 * * *" }] }, async () => "ok");
  const app = await startApp(serve({ client: weft, functions: [activation, daily], ...serveOpts }));
  return { server, app };
}

describe("sync", () => {
  it("answers GET with introspection and the SDK header", async () => {
    const { app } = await setup();
    const res = await fetch(app);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inngest-sdk")).toBe("weft-js:v0.1.0");
    expect(await res.json()).toEqual({
      extra: { native_crypto: true },
      has_event_key: false,
      has_signing_key: false,
      function_count: 3,
      mode: "dev",
      schema_version: "2024-05-24",
    });
  });

  it("registers out of band on PUT with the Inngest register body", async () => {
    const { server, app } = await setup();
    const res = await fetch(`${app}?deployId=d1`, {
      method: "PUT",
      headers: { "content-type": "application/json", "x-inngest-server-kind": "dev" },
      body: JSON.stringify({ url: app }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inngest-sync-kind")).toBe("out_of_band");
    expect(await res.json()).toEqual({ message: "Successfully registered", modified: true });

    expect(server.requests).toHaveLength(1);
    const [reg] = server.requests;
    expect(reg?.method).toBe("POST");
    expect(reg?.path).toBe("/fn/register?deployId=d1");
    expect(reg?.headers["x-inngest-sdk"]).toBe("weft-js:v0.1.0");
    expect(reg?.headers["x-inngest-sync-kind"]).toBe("out_of_band");
    expect(reg?.headers["x-inngest-expected-server-kind"]).toBe("dev");
    expect(reg?.headers.authorization).toBeUndefined();
    const step = (fnId: string) => `${app}?fnId=${fnId}&stepId=step`;
    expect(reg?.json).toEqual({
      url: app,
      deployType: "ping",
      framework: "node",
      appName: "my-app",
      sdk: "js:v0.1.0",
      v: "0.1",
      deployId: "d1",
      capabilities: {},
      functions: [
        {
          id: "my-app-activation-email",
          name: "Activation email",
          triggers: [{ event: "app/user.created", expression: "event.data.user.id != ''" }],
          steps: {
            step: { id: "step", name: "step", runtime: { type: "http", url: step("my-app-activation-email") }, retries: { attempts: 3 } },
          },
          concurrency: { limit: 5, key: "event.data.user.id" },
          throttle: { limit: 1, period: "1m" },
          idempotency: "event.data.user.id",
          cancel: [
            { event: "app/user.deleted", if: "event.data.user.id == async.data.user.id", timeout: "1w" },
            { event: "app/stop", if: "async.data.all" },
          ],
        },
        {
          id: "my-app-activation-email-failure",
          name: "Activation email (failure)",
          triggers: [{ event: "inngest/function.failed", expression: "event.data.function_id == 'my-app-activation-email'" }],
          steps: {
            step: {
              id: "step",
              name: "step",
              runtime: { type: "http", url: step("my-app-activation-email-failure") },
              retries: { attempts: 1 },
            },
          },
        },
        {
          id: "my-app-daily",
          name: "daily",
          triggers: [{ cron: "0 9 * * *" }],
          steps: { step: { id: "step", name: "step", runtime: { type: "http", url: step("my-app-daily") } } },
        },
      ],
    });
  });

  it("answers the PUT with the status and error from the server's JSON", async () => {
    const { server, app } = await setup();
    server.next.push({ status: 200, body: { error: "bad function config", status: 400 } });
    const res = await fetch(app, { method: "PUT" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "bad function config", modified: false });
  });

  it("builds step URLs from serveHost and servePath", async () => {
    const { server, app } = await setup({ serveHost: "https://weft.example.com", servePath: "/x/inngest" });
    await fetch(app, { method: "PUT" });
    const body = server.requests[0]?.json as { url: string; functions: { steps: { step: { runtime: { url: string } } } }[] };
    expect(body.url).toBe("https://weft.example.com/x/inngest");
    expect(body.functions[0]?.steps.step.runtime.url).toBe("https://weft.example.com/x/inngest?fnId=my-app-activation-email&stepId=step");
  });

  it("syncs in band: the PUT answer is the register body, built from the server's url", async () => {
    const { server, app } = await setup();
    const url = "http://weft.internal:3000/api/inngest";
    const res = await fetch(app, {
      method: "PUT",
      headers: { "content-type": "application/json", "x-inngest-sync-kind": "in_band" },
      body: JSON.stringify({ url }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inngest-sync-kind")).toBe("in_band");
    const body = (await res.json()) as Record<string, unknown> & { functions: { id: string; steps: { step: { runtime: { url: string } } } }[] };
    expect(body).toMatchObject({ app_id: "my-app", framework: "node", sdk: "js:v0.1.0", sdk_language: "", sdk_version: "", url });
    expect(body.inspection).toMatchObject({ function_count: 3, mode: "dev" });
    expect(body.functions.map((f) => f.id)).toEqual(["my-app-activation-email", "my-app-activation-email-failure", "my-app-daily"]);
    expect(body.functions[0]?.steps.step.runtime.url).toBe(`${url}?fnId=my-app-activation-email&stepId=step`);
    expect(server.requests).toHaveLength(0);

    const bad = await fetch(app, { method: "PUT", headers: { "x-inngest-sync-kind": "in_band" }, body: JSON.stringify({ url, extra: 1 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_request" });
  });
});
