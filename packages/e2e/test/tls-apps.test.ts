// Apps served over https://: Weft verifies their certificates (undici's default) and trusts an
// extra CA only when told to (`--app-ca`, the server's `appCa`). With the CA a run goes end to end;
// without it the sync says the certificate is not trusted and each call fails as a retriable
// NetworkError naming the TLS problem in the run's timeline.
import type { Server } from "node:https";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { serve, Weft } from "@weft/sdk";
import { makeTestPki, type TestPki } from "@weft/testing";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";

let pki: TestPki;
const closers: (() => Promise<void>)[] = [];

beforeAll(() => {
  pki = makeTestPki();
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  pki?.remove();
});

/** A Weft SDK app over HTTPS (the test CA's certificate for 127.0.0.1), reporting to `weft`. Answers its serve URL. */
async function httpsApp(weft: TestWeft, appId: string): Promise<string> {
  const client = new Weft({ id: appId, baseUrl: weft.url });
  const greet = client.createFunction({ id: "greet" }, { event: "tls/greet" }, async ({ event, step }) => {
    const name = await step.run("name", () => String(event.data.name));
    return { hello: name };
  });
  const handler = serve({ client, functions: [greet] });
  const server: Server = createServer({ cert: pki.serverCert.pem, key: pki.serverKey.pem }, (req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/inngest`;
}

async function weftWith(appCa?: string, retryIntervalMs = 50): Promise<TestWeft> {
  const weft = await startTestWeft({ retryIntervalMs, server: appCa === undefined ? {} : { appCa } });
  closers.push(() => weft.close());
  return weft;
}

describe("an app served over https", () => {
  it("syncs and runs end to end when Weft trusts its CA (--app-ca)", async () => {
    const weft = await weftWith(pki.ca.pem);
    const url = await httpsApp(weft, "tls-app");
    const synced = await api<{ data: { ok: boolean; error?: string } }>(weft.url, "POST", "/v1/apps", { url });
    expect(synced.data).toMatchObject({ ok: true });
    const run = await runOf(weft, "tls/greet", { name: "Ada" });
    const done = await runWithStatus(weft, run.run_id, "Completed");
    expect(done.output).toEqual({ hello: "Ada" });
  });

  it("is not synced without the CA: the sync error names the untrusted certificate and --app-ca", async () => {
    const weft = await weftWith();
    const url = await httpsApp(weft, "tls-app-untrusted");
    const synced = await api<{ data: { ok: boolean; error?: string } }>(weft.url, "POST", "/v1/apps", { url });
    expect(synced.data.ok).toBe(false);
    expect(synced.data.error).toMatch(/certificate is not trusted.*--app-ca FILE/);
  });

  it("without the CA, each call fails as a retriable NetworkError in the run's timeline, naming the TLS problem", async () => {
    // A long retry interval: the run stays Running on its first failed attempt while we look.
    const weft = await weftWith(undefined, 60_000);
    const url = await httpsApp(weft, "tls-app-registered");
    // The app registers itself (out of band: a PUT without the in-band header makes it POST
    // /fn/register to Weft over plain HTTP), so its functions exist though Weft cannot call it.
    const trusting = new Agent({ connect: { ca: pki.ca.pem } });
    closers.push(() => trusting.close());
    const put = await request(url, { method: "PUT", dispatcher: trusting });
    expect(put.statusCode).toBe(200);
    await put.body.text();

    const run = await runOf(weft, "tls/greet", { name: "Ada" });
    const errored = await waitFor(async () => {
      const steps = await stepsOf(weft, run.run_id);
      return steps.find((s) => s.op === "Call" && s.status === "Errored");
    }, "the first call's error in the timeline");
    expect(errored.error?.name).toBe("NetworkError");
    expect(errored.error?.message).toMatch(/calling https:\/\/127\.0\.0\.1:\d+\/api\/inngest failed: .*certificate is not trusted.*--app-ca FILE/);
    // Retriable: the run waits for its next attempt instead of failing.
    const { data } = await api<{ data: { status: string } }>(weft.url, "GET", `/v1/runs/${run.run_id}`);
    expect(data.status).toBe("Running");
  });
});
