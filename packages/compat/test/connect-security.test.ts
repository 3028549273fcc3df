// Connect in production (a signing key set): the start request must carry the SDK's bearer, the
// WebSocket must present the session token the start answer gave, and frames that are not the
// protocol close the socket with a reason: nothing a client sends crashes the server.
import { codecs, decodeFrame, encodeFrame, MessageKind, type StartResponse } from "@weft/connect-protocol";
import { hashSigningKey } from "@weft/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestWeft, type TestWeft } from "../src/harness.js";

const signingKey = `signkey-test-${"ab12".repeat(16)}`;
const protocol = "v0.connect.inngest.com";

describe("Connect: refusals", () => {
  let weft: TestWeft;

  beforeAll(async () => {
    weft = await startTestWeft({ signingKey });
  });

  afterAll(async () => {
    await weft?.close();
  });

  const start = (headers: Record<string, string>, body: Uint8Array = codecs.startRequest.encode({ excludeGateways: [] })) =>
    fetch(`${weft.url}/v0/connect/start`, { method: "POST", body: Buffer.from(body), headers: { "content-type": "application/protobuf", ...headers } });

  async function startAnswer(): Promise<StartResponse> {
    const res = await start({ authorization: `Bearer ${hashSigningKey(signingKey)}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/protobuf");
    return codecs.startResponse.decode(new Uint8Array(await res.arrayBuffer()));
  }

  /** Open the gateway socket, wait for GATEWAY_HELLO, send `frame`, and answer how the server closed it. */
  async function closeAfter(frame: Uint8Array | string, endpoint?: string): Promise<{ code: number; reason: string }> {
    const ws = new WebSocket(endpoint ?? `${weft.url.replace("http", "ws")}/v0/connect`, [protocol]);
    return new Promise((resolve, reject) => {
      ws.once("message", (data) => {
        expect(decodeFrame(data as Buffer).kind).toBe(MessageKind.GatewayHello);
        ws.send(frame);
      });
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.once("error", reject);
    });
  }

  /** An upgrade the server refuses before switching protocols: its HTTP status and JSON error. */
  function refusedUpgrade(headers: Record<string, string>, protocols: string[] = [protocol]): Promise<{ status: number; body: string }> {
    const ws = new WebSocket(`${weft.url.replace("http", "ws")}/v0/connect`, protocols, { headers });
    return new Promise((resolve, reject) => {
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once("open", () => reject(new Error("the upgrade was accepted")));
    });
  }

  it("a start request without the signing key's bearer, or with another key's, is refused (401 JSON)", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${hashSigningKey(`signkey-test-${"cd34".repeat(16)}`)}` }]) {
      const res = await start(headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/signing key/), status: 401 });
    }
  });

  it("a start body that is not a StartRequest is refused (400 JSON)", async () => {
    const res = await start({ authorization: `Bearer ${hashSigningKey(signingKey)}` }, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff]));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/not a protobuf StartRequest/);
  });

  it("the start answer names this server's gateway and a session token", async () => {
    const answer = await startAnswer();
    expect(answer.gatewayEndpoint).toBe(`${weft.url.replace("http", "ws")}/v0/connect`);
    expect(answer.connectionId).not.toBe("");
    expect(answer.sessionToken).not.toBe("");
  });

  it("garbage frames, text frames and unexpected messages close the socket with a reason; the server stays up", async () => {
    expect(await closeAfter(new Uint8Array([0x0a, 0xff, 0xff, 0xff]))).toEqual({ code: 4002, reason: expect.stringMatching(/not a valid ConnectMessage/) });
    expect(await closeAfter("hello")).toEqual({ code: 4002, reason: expect.stringMatching(/text frame/) });
    expect(await closeAfter(encodeFrame(MessageKind.WorkerReply))).toEqual({ code: 4002, reason: expect.stringMatching(/expected WORKER_CONNECT/) });
    expect(await closeAfter(encodeFrame(MessageKind.WorkerConnect, new Uint8Array([0x2a, 0x05, 0x0a])))).toMatchObject({ code: 4002 });
    expect((await fetch(`${weft.url}/health`)).status).toBe(200);
  });

  it("a WORKER_CONNECT without a valid session token is refused (4001)", async () => {
    const answer = await startAnswer();
    const connect = (token: string, connectionId = answer.connectionId) =>
      encodeFrame(
        MessageKind.WorkerConnect,
        codecs.workerConnect.encode({
          connectionId,
          instanceId: "intruder",
          authData: { sessionToken: token, syncToken: "" },
          capabilities: new Uint8Array(0),
          apps: [{ appName: "intruder", functions: new TextEncoder().encode("[]") }],
          workerManualReadinessAck: true,
          framework: "connect",
          sdkVersion: "v0",
          sdkLanguage: "typescript",
        }),
      );
    expect(await closeAfter(connect(""))).toEqual({ code: 4001, reason: expect.stringMatching(/unauthorized/) });
    // A real token, but for another connection id.
    expect(await closeAfter(connect(answer.sessionToken, "someone-else"))).toMatchObject({ code: 4001 });
    expect(await closeAfter(connect(`${Date.now() + 60_000}.${"0".repeat(64)}`))).toMatchObject({ code: 4001 });
    // The right token, but functions that are not JSON: the sync fails and says why.
    const bad = encodeFrame(
      MessageKind.WorkerConnect,
      codecs.workerConnect.encode({
        connectionId: answer.connectionId,
        instanceId: "w",
        authData: { sessionToken: answer.sessionToken, syncToken: "" },
        capabilities: new Uint8Array(0),
        apps: [{ appName: "broken", functions: new TextEncoder().encode("{not json") }],
        workerManualReadinessAck: true,
        framework: "connect",
        sdkVersion: "v0",
        sdkLanguage: "typescript",
      }),
    );
    expect(await closeAfter(bad)).toEqual({ code: 4003, reason: expect.stringMatching(/sync failed: the functions of app broken are not JSON/) });
  });

  it("upgrades without the subprotocol, from a browser page, or to a foreign Host are refused", async () => {
    expect(await refusedUpgrade({}, [])).toMatchObject({ status: 400, body: expect.stringMatching(/subprotocol/) });
    expect(await refusedUpgrade({ origin: "https://evil.example" })).toMatchObject({ status: 403, body: expect.stringMatching(/browser page/) });
    expect(await refusedUpgrade({ host: "evil.example" })).toMatchObject({ status: 403, body: expect.stringMatching(/answers only to/) });
  });
});
