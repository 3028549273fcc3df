// Weft's own endpoints over TLS, with certificates made for this file: the HTTPS server (what a
// client with the right CA gets, what one without gets, the raw-socket paths kept), the CLI's
// errors for unusable certificate files, and runs whose state lives behind a coordinator on
// mutual TLS (`--state weft+tls://…?ca=&cert=&key=`).
import { spawnSync } from "node:child_process";
import { connect } from "node:tls";
import { createMemoryStores } from "@weft/store";
import { startCoordinator } from "@weft/store-remote";
import { makeTestPki, type TestPki } from "@weft/testing";
import { Weft } from "@weft/sdk";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, requireBuiltCli } from "../src/processes.js";
import { runOf, runWithStatus, serveApp, startTestWeft, type TestWeft } from "../src/index.js";

let pki: TestPki;
let weft: TestWeft;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  weft = await startTestWeft({ server: { tls: { cert: pki.serverCert.pem, key: pki.serverKey.pem } } });
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await weft?.close();
  pki?.remove();
});

/** What the server answers over TLS to one raw request, trusting the test CA. */
function rawOverTls(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: pki.ca.pem }, () => socket.write(text));
    let answer = "";
    socket.on("data", (d) => (answer += d));
    socket.on("end", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("weft dev / start with --tls-cert and --tls-key", () => {
  it("serves HTTPS: a client trusting the CA gets answers", async () => {
    expect(weft.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const trusting = new Agent({ connect: { ca: pki.ca.pem } });
    closers.push(() => trusting.close());
    const res = await request(`${weft.url}/health`, { dispatcher: trusting });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ status: "ok" });
  });

  it("is refused by a client that does not trust the CA", async () => {
    const e = await request(`${weft.url}/health`).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(e?.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
  });

  it("keeps the raw-socket paths over TLS: CONNECT answered 405, an upgrade to no endpoint answered 404", async () => {
    const host = new URL(weft.url).host;
    expect(await rawOverTls(weft.url, `CONNECT example.com:443 HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 405 .*method not allowed: CONNECT/s);
    const upgrade = `GET /no-such-socket HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
    expect(await rawOverTls(weft.url, upgrade)).toMatch(/^HTTP\/1\.1 404 .*no WebSocket endpoint at \/no-such-socket/s);
  });
});

describe("the CLI refuses unusable TLS files at start, naming them", () => {
  const weftCli = (...args: string[]) => {
    requireBuiltCli();
    return spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", timeout: 15_000 });
  };

  it.each([
    [
      ["dev", "--tls-cert", "/nonexistent/server.pem", "--tls-key", "/nonexistent/server.key"],
      /--tls-cert \/nonexistent\/server\.pem: cannot read the file: ENOENT/,
    ],
    [["dev", "--tls-cert", "CERT"], /--tls-cert and --tls-key go together/],
    [["dev", "--tls-cert", "CERT", "--tls-key", "OTHER_KEY"], /not a usable certificate and key/],
    [["start", "--insecure-dev", "--app-ca", "/nonexistent/ca.pem"], /--app-ca \/nonexistent\/ca\.pem: cannot read the file/],
    [["dev", "--app-ca", "KEY"], /--app-ca .*: not a PEM certificate file/],
    [["coordinator", "--state", "memory:", "--tls-ca", "CA"], /--tls-ca \(client certificates\) needs --tls-cert and --tls-key/],
  ])("weft %s", (args, message) => {
    const files: Record<string, string> = {
      CERT: pki.serverCert.path,
      OTHER_KEY: pki.clientKey.path,
      KEY: pki.serverKey.path,
      CA: pki.ca.path,
    };
    const result = weftCli(...args.map((a) => files[a] ?? a));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe("runs whose state lives behind a coordinator on mutual TLS", () => {
  it("complete over --state weft+tls://…?ca=&cert=&key=", async () => {
    const hosted = createMemoryStores();
    await hosted.init();
    const coordinator = await startCoordinator({
      stores: hosted,
      listen: { host: "127.0.0.1", port: 0 },
      tls: { cert: pki.serverCert.pem, key: pki.serverKey.pem, ca: pki.ca.pem },
    });
    closers.push(async () => {
      await coordinator.close();
      await hosted.close();
    });
    const query = new URLSearchParams({ ca: pki.ca.path, cert: pki.clientCert.path, key: pki.clientKey.path });
    const behind = await startTestWeft({ store: { db: "memory:", state: `${coordinator.url}?${query}` } });
    closers.push(() => behind.close());
    const client = new Weft({ id: "mtls-app", baseUrl: behind.url });
    const fn = client.createFunction({ id: "twice" }, { event: "mtls/go" }, async ({ event, step }) => {
      const a = await step.run("a", () => Number(event.data.n) * 2);
      const b = await step.run("b", () => a + 1);
      return { b };
    });
    const app = await serveApp(behind, client, [fn]);
    closers.push(() => app.close());
    const run = await runOf(behind, "mtls/go", { n: 20 });
    expect((await runWithStatus(behind, run.run_id, "Completed")).output).toEqual({ b: 41 });
    // The run's state went through the coordinator: it knows the run.
    expect((await hosted.state.loadMetadata(run.run_id))?.functionId).toMatch(/twice/);
  });
});
