// Our schema against the official SDK's own generated codec (inngest 4.x): what one encodes, the
// other decodes field for field, both ways, for the messages the handshake and a call use.
import { describe, expect, it } from "vitest";
import { codecs, decodeFrame, encodeFrame, MessageKind } from "./index.js";

const sdkProto = (await import(new URL("../../../node_modules/inngest/proto/src/components/connect/protobuf/connect.js", import.meta.url).href)) as Record<
  string,
  { encode(v: unknown): { finish(): Uint8Array }; decode(b: Uint8Array): Record<string, unknown>; create(v: unknown): unknown }
>;
const sdk = (name: string) => sdkProto[name] as NonNullable<(typeof sdkProto)[string]>;

describe("Connect codec vs the official SDK's", () => {
  it("decodes the SDK's WORKER_CONNECT", () => {
    const bytes = sdk("WorkerConnectRequestData")
      .encode(
        sdk("WorkerConnectRequestData").create({
          connectionId: "c1",
          instanceId: "host-1",
          authData: { sessionToken: "tok", syncToken: "sync" },
          capabilities: new TextEncoder().encode('{"connect":"v1"}'),
          apps: [{ appName: "my-app", appVersion: "1.2", functions: new TextEncoder().encode("[]") }],
          workerManualReadinessAck: true,
          framework: "connect",
          sdkVersion: "v4.24.0",
          sdkLanguage: "typescript",
          startedAt: new Date(1_700_000_000_123),
          maxWorkerConcurrency: 3,
        }),
      )
      .finish();
    const got = codecs.workerConnect.decode(bytes);
    expect(got).toMatchObject({
      connectionId: "c1",
      instanceId: "host-1",
      authData: { sessionToken: "tok", syncToken: "sync" },
      workerManualReadinessAck: true,
    });
    expect(got).toMatchObject({
      framework: "connect",
      sdkVersion: "v4.24.0",
      sdkLanguage: "typescript",
      startedAt: 1_700_000_000_123,
      maxWorkerConcurrency: 3,
    });
    expect(got.apps).toHaveLength(1);
    expect(got.apps[0]?.appName).toBe("my-app");
    expect(got.apps[0]?.appVersion).toBe("1.2");
    expect(new TextDecoder().decode(got.apps[0]?.functions)).toBe("[]");
  });

  it("an unset maxWorkerConcurrency and step id stay absent", () => {
    const bytes = sdk("WorkerConnectRequestData")
      .encode(sdk("WorkerConnectRequestData").create({ connectionId: "c2" }))
      .finish();
    expect(codecs.workerConnect.decode(bytes).maxWorkerConcurrency).toBeUndefined();
    const req = codecs.executorRequest.encode({
      requestId: "r",
      accountId: "",
      envId: "",
      appId: "a",
      appName: "a",
      functionId: "",
      functionSlug: "f",
      requestPayload: new Uint8Array(0),
      systemTraceCtx: new Uint8Array(0),
      userTraceCtx: new Uint8Array(0),
      runId: "run",
      leaseId: "l",
      jobId: "",
    });
    expect(sdk("GatewayExecutorRequestData").decode(req).stepId).toBeUndefined();
  });

  it("the SDK decodes our executor request, start response and ready message", () => {
    const req = codecs.executorRequest.encode({
      requestId: "req-1",
      accountId: "acc",
      envId: "env",
      appId: "app-id",
      appName: "my-app",
      functionId: "fn-uuid",
      functionSlug: "my-fn",
      stepId: "step",
      requestPayload: new TextEncoder().encode('{"event":{}}'),
      systemTraceCtx: new Uint8Array(0),
      userTraceCtx: new Uint8Array(0),
      runId: "run-1",
      leaseId: "lease-1",
      jobId: "job-1",
    });
    const decoded = sdk("GatewayExecutorRequestData").decode(req);
    expect(decoded).toMatchObject({
      requestId: "req-1",
      appName: "my-app",
      functionSlug: "my-fn",
      stepId: "step",
      runId: "run-1",
      leaseId: "lease-1",
      jobId: "job-1",
    });
    expect(new TextDecoder().decode(decoded.requestPayload as Uint8Array)).toBe('{"event":{}}');
    const start = { connectionId: "c", gatewayEndpoint: "ws://127.0.0.1:1/v0/connect", gatewayGroup: "g", sessionToken: "s", syncToken: "y" };
    expect(sdk("StartResponse").decode(codecs.startResponse.encode(start))).toEqual(start);
    expect(
      sdk("GatewayConnectionReadyData").decode(codecs.connectionReady.encode({ heartbeatInterval: "10s", extendLeaseInterval: "5s", statusInterval: "" })),
    ).toEqual({
      heartbeatInterval: "10s",
      extendLeaseInterval: "5s",
      statusInterval: "",
    });
  });

  it("decodes the SDK's reply and lease extension; the SDK reads our lease ack", () => {
    const reply = sdk("SDKResponse")
      .encode(
        sdk("SDKResponse").create({
          requestId: "r",
          status: 0,
          body: new TextEncoder().encode("[]"),
          noRetry: true,
          retryAfter: "5",
          sdkVersion: "inngest-js:v4",
          requestVersion: 2,
        }),
      )
      .finish();
    expect(codecs.sdkResponse.decode(reply)).toMatchObject({
      requestId: "r",
      status: 0,
      noRetry: true,
      retryAfter: "5",
      sdkVersion: "inngest-js:v4",
      requestVersion: 2,
    });
    const extend = sdk("WorkerRequestExtendLeaseData")
      .encode(sdk("WorkerRequestExtendLeaseData").create({ requestId: "r", leaseId: "l1", runId: "run" }))
      .finish();
    expect(codecs.extendLease.decode(extend)).toMatchObject({ requestId: "r", leaseId: "l1", runId: "run" });
    const ack = codecs.extendLeaseAck.encode({ requestId: "r", accountId: "", envId: "", appId: "", functionSlug: "", newLeaseId: "l2" });
    expect(sdk("WorkerRequestExtendLeaseAckData").decode(ack)).toMatchObject({ requestId: "r", newLeaseId: "l2" });
  });

  it("frames round-trip; garbage is refused with a ConnectProtocolError", () => {
    const frame = encodeFrame(MessageKind.GatewayHeartbeat);
    expect(sdk("ConnectMessage").decode(frame)).toMatchObject({ kind: MessageKind.GatewayHeartbeat });
    expect(decodeFrame(frame).kind).toBe(MessageKind.GatewayHeartbeat);
    expect(() => decodeFrame(new Uint8Array([0x0a, 0xff, 0xff, 0xff]))).toThrow(/not a valid ConnectMessage/);
  });
});
