import protobuf from "protobufjs";
import { connectProto } from "./connect-proto.js";

/** Message kinds of the Connect WebSocket (`ConnectMessage.kind`). */
export const MessageKind = {
  GatewayHello: 0,
  WorkerConnect: 1,
  GatewayConnectionReady: 2,
  GatewayExecutorRequest: 3,
  WorkerReady: 4,
  WorkerRequestAck: 5,
  WorkerReply: 6,
  WorkerReplyAck: 7,
  WorkerPause: 8,
  WorkerHeartbeat: 9,
  GatewayHeartbeat: 10,
  GatewayClosing: 11,
  WorkerRequestExtendLease: 12,
  WorkerRequestExtendLeaseAck: 13,
  SyncFailed: 14,
  WorkerStatus: 15,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** `SDKResponse.status`: how the SDK's HTTP status maps (200 → DONE, 206 → NOT_COMPLETED, 500 → ERROR). */
export const ResponseStatus = { NotCompleted: 0, Done: 1, Error: 2 } as const;

/** A frame that is not a Connect message, or a payload that does not decode as its kind's message. */
export class ConnectProtocolError extends Error {
  override readonly name = "ConnectProtocolError";
}

export interface ConnectMessage {
  kind: number;
  payload: Uint8Array;
}

export interface StartRequest {
  excludeGateways: string[];
}

export interface StartResponse {
  connectionId: string;
  gatewayEndpoint: string;
  gatewayGroup: string;
  sessionToken: string;
  syncToken: string;
}

export interface AppConfiguration {
  appName: string;
  appVersion?: string;
  /** JSON text of the app's function configs (the `functions` of a register body), as bytes. */
  functions: Uint8Array;
}

export interface WorkerConnectRequest {
  connectionId: string;
  instanceId: string;
  authData?: { sessionToken: string; syncToken: string };
  /** JSON text, e.g. `{"trust_probe":"v1","connect":"v1"}`. */
  capabilities: Uint8Array;
  apps: AppConfiguration[];
  workerManualReadinessAck: boolean;
  systemAttributes?: { cpuCores: number; memBytes: number; os: string };
  environment?: string;
  framework: string;
  platform?: string;
  sdkVersion: string;
  sdkLanguage: string;
  /** Epoch milliseconds (a `google.protobuf.Timestamp` on the wire). */
  startedAt?: number;
  /** Requests the worker takes at once; undefined = no limit. */
  maxWorkerConcurrency?: number;
}

export interface GatewayConnectionReady {
  /** Durations as the SDK's `ms` parses them, e.g. "10s". */
  heartbeatInterval: string;
  extendLeaseInterval: string;
  statusInterval: string;
}

export interface ExecutorRequest {
  requestId: string;
  accountId: string;
  envId: string;
  appId: string;
  /** The SDK routes by this (its app id); a request with an empty one is dropped. */
  appName: string;
  functionId: string;
  /** The function's id within its app (the SDK's `fnId` query parameter). */
  functionSlug: string;
  stepId?: string;
  /** The JSON body an HTTP call would carry (protocol §3), as bytes. */
  requestPayload: Uint8Array;
  systemTraceCtx: Uint8Array;
  userTraceCtx: Uint8Array;
  runId: string;
  leaseId: string;
  jobId: string;
}

export interface RequestAck {
  requestId: string;
  appId: string;
  functionSlug: string;
  stepId?: string;
  runId: string;
}

export interface ExtendLease {
  requestId: string;
  appId: string;
  functionSlug: string;
  stepId?: string;
  runId: string;
  leaseId: string;
}

export interface ExtendLeaseAck {
  requestId: string;
  accountId: string;
  envId: string;
  appId: string;
  functionSlug: string;
  /** Empty or absent: the lease is lost and the worker forgets the request. */
  newLeaseId?: string;
}

export interface SdkResponse {
  requestId: string;
  accountId: string;
  envId: string;
  appId: string;
  status: number;
  /** The HTTP answer's body (JSON text) as bytes. */
  body: Uint8Array;
  noRetry: boolean;
  retryAfter?: string;
  sdkVersion: string;
  requestVersion: number;
  runId: string;
}

export interface WorkerStatus {
  inFlightRequestIds: string[];
  shutdownRequested: boolean;
}

const root = protobuf.parse(connectProto, { keepCase: false }).root;
const typeOf = (name: string) => root.lookupType(`connect.v1.${name}`);

/** protobufjs's plain-object view: int64 as numbers, enums as numbers, bytes as Uint8Array, defaults filled. */
const asObject: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: true, arrays: true };

/** One message type's encoder and decoder over plain objects; decode throws `ConnectProtocolError`. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

function codec<T>(name: string, fromWire: (o: Record<string, unknown>) => T = (o) => o as T, toWire: (v: T) => object = (v) => v as object): Codec<T> {
  const type = typeOf(name);
  return {
    encode: (value) => type.encode(type.fromObject(toWire(value) as Record<string, unknown>)).finish(),
    decode: (bytes) => {
      try {
        return fromWire(type.toObject(type.decode(bytes), asObject));
      } catch (e) {
        throw new ConnectProtocolError(`not a valid ${name}: ${(e as Error).message}`);
      }
    },
  };
}

/** Proto3 `optional` fields: protobufjs answers "" / 0 or null for an unset one; absent here. */
function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export const codecs = {
  message: codec<ConnectMessage>("ConnectMessage"),
  startRequest: codec<StartRequest>("StartRequest"),
  startResponse: codec<StartResponse>("StartResponse"),
  workerConnect: codec<WorkerConnectRequest>(
    "WorkerConnectRequestData",
    (o) => {
      const started = o.startedAt as { seconds?: number; nanos?: number } | null | undefined;
      const max = o.maxWorkerConcurrency;
      return {
        ...(o as unknown as WorkerConnectRequest),
        authData: (o.authData ?? undefined) as WorkerConnectRequest["authData"],
        systemAttributes: (o.systemAttributes ?? undefined) as WorkerConnectRequest["systemAttributes"],
        apps: (o.apps as (AppConfiguration & { appVersion?: unknown })[]).map((a) => ({
          appName: a.appName,
          appVersion: optionalText(a.appVersion),
          functions: a.functions,
        })),
        environment: optionalText(o.environment),
        platform: optionalText(o.platform),
        startedAt: started ? (started.seconds ?? 0) * 1000 + Math.floor((started.nanos ?? 0) / 1e6) : undefined,
        maxWorkerConcurrency: typeof max === "number" && max > 0 ? max : undefined,
      };
    },
    (v) => ({
      ...v,
      startedAt: v.startedAt === undefined ? undefined : { seconds: Math.floor(v.startedAt / 1000), nanos: (v.startedAt % 1000) * 1e6 },
    }),
  ),
  connectionReady: codec<GatewayConnectionReady>("GatewayConnectionReadyData"),
  executorRequest: codec<ExecutorRequest>("GatewayExecutorRequestData", (o) => ({ ...(o as unknown as ExecutorRequest), stepId: optionalText(o.stepId) })),
  requestAck: codec<RequestAck>("WorkerRequestAckData", (o) => ({ ...(o as unknown as RequestAck), stepId: optionalText(o.stepId) })),
  extendLease: codec<ExtendLease>("WorkerRequestExtendLeaseData", (o) => ({ ...(o as unknown as ExtendLease), stepId: optionalText(o.stepId) })),
  extendLeaseAck: codec<ExtendLeaseAck>("WorkerRequestExtendLeaseAckData", (o) => ({
    ...(o as unknown as ExtendLeaseAck),
    newLeaseId: optionalText(o.newLeaseId),
  })),
  sdkResponse: codec<SdkResponse>("SDKResponse", (o) => ({ ...(o as unknown as SdkResponse), retryAfter: optionalText(o.retryAfter) })),
  replyAck: codec<{ requestId: string }>("WorkerReplyAckData"),
  workerStatus: codec<WorkerStatus>("WorkerStatusData"),
  flushResponse: codec<{ requestId: string }>("FlushResponse"),
};

/** A whole WebSocket frame: the envelope with its kind and (already encoded) payload. */
export function encodeFrame(kind: MessageKind, payload?: Uint8Array): Uint8Array {
  return codecs.message.encode({ kind, payload: payload ?? new Uint8Array(0) });
}

/** Decode a frame's envelope; throws `ConnectProtocolError` on bytes that are not one. */
export function decodeFrame(bytes: Uint8Array): ConnectMessage {
  return codecs.message.decode(bytes);
}
