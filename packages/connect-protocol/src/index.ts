export { codecs, ConnectProtocolError, decodeFrame, encodeFrame, MessageKind, ResponseStatus } from "./codec.js";
export type {
  AppConfiguration,
  Codec,
  ConnectMessage,
  ExecutorRequest,
  ExtendLease,
  ExtendLeaseAck,
  GatewayConnectionReady,
  RequestAck,
  SdkResponse,
  StartRequest,
  StartResponse,
  WorkerConnectRequest,
  WorkerStatus,
} from "./codec.js";
export { connectFlushPath, connectGatewayPath, connectStartPath, connectSubprotocol, protobufContentType } from "./constants.js";
export { connectProto } from "./connect-proto.js";
