/**
 * The Connect wire schema: the messages a `connect()` worker and the gateway exchange over the
 * WebSocket (and the start / flush HTTP bodies), with the field numbers of Inngest's
 * `connect/v1/connect.proto` as the official SDK (inngest 4.x) encodes them. Kept as .proto text so
 * that it reads as the schema it is, and parsed once at load by protobufjs (no generated code).
 *
 * Only what Weft reads or writes is declared; an unknown field is skipped by the decoder, as
 * protobuf does. `AppConfiguration.feature_observations` is a message in the SDK's schema; it is
 * declared as bytes here (same wire type), since the server never looks inside it.
 */
export const connectProto = `
syntax = "proto3";
package connect.v1;

enum GatewayMessageType {
  GATEWAY_HELLO = 0;
  WORKER_CONNECT = 1;
  GATEWAY_CONNECTION_READY = 2;
  GATEWAY_EXECUTOR_REQUEST = 3;
  WORKER_READY = 4;
  WORKER_REQUEST_ACK = 5;
  WORKER_REPLY = 6;
  WORKER_REPLY_ACK = 7;
  WORKER_PAUSE = 8;
  WORKER_HEARTBEAT = 9;
  GATEWAY_HEARTBEAT = 10;
  GATEWAY_CLOSING = 11;
  WORKER_REQUEST_EXTEND_LEASE = 12;
  WORKER_REQUEST_EXTEND_LEASE_ACK = 13;
  SYNC_FAILED = 14;
  WORKER_STATUS = 15;
}

enum SDKResponseStatus {
  NOT_COMPLETED = 0;
  DONE = 1;
  ERROR = 2;
}

message ConnectMessage {
  GatewayMessageType kind = 1;
  bytes payload = 2;
}

message StartRequest {
  repeated string exclude_gateways = 1;
}

message StartResponse {
  string connection_id = 1;
  string gateway_endpoint = 2;
  string gateway_group = 3;
  string session_token = 4;
  string sync_token = 5;
}

message AppConfiguration {
  string app_name = 1;
  optional string app_version = 2;
  bytes functions = 4;
  bytes feature_observations = 5;
}

message AuthData {
  string session_token = 1;
  string sync_token = 2;
}

message SystemAttributes {
  int32 cpu_cores = 1;
  int64 mem_bytes = 2;
  string os = 3;
}

message Timestamp {
  int64 seconds = 1;
  int32 nanos = 2;
}

message WorkerConnectRequestData {
  string connection_id = 1;
  string instance_id = 2;
  AuthData auth_data = 3;
  bytes capabilities = 4;
  repeated AppConfiguration apps = 5;
  bool worker_manual_readiness_ack = 6;
  SystemAttributes system_attributes = 7;
  optional string environment = 8;
  string framework = 9;
  optional string platform = 10;
  string sdk_version = 11;
  string sdk_language = 12;
  Timestamp started_at = 13;
  optional int64 max_worker_concurrency = 14;
}

message GatewayConnectionReadyData {
  string heartbeat_interval = 1;
  string extend_lease_interval = 2;
  string status_interval = 3;
}

message WorkerStatusData {
  repeated string in_flight_request_ids = 1;
  bool shutdown_requested = 2;
}

message GatewayExecutorRequestData {
  string request_id = 1;
  string account_id = 2;
  string env_id = 3;
  string app_id = 4;
  string app_name = 5;
  string function_id = 6;
  string function_slug = 7;
  optional string step_id = 8;
  bytes request_payload = 9;
  bytes system_trace_ctx = 10;
  bytes user_trace_ctx = 11;
  string run_id = 12;
  string lease_id = 13;
  string job_id = 14;
}

message WorkerRequestAckData {
  string request_id = 1;
  string account_id = 2;
  string env_id = 3;
  string app_id = 4;
  string function_slug = 5;
  optional string step_id = 6;
  bytes system_trace_ctx = 7;
  bytes user_trace_ctx = 8;
  string run_id = 9;
}

message WorkerRequestExtendLeaseData {
  string request_id = 1;
  string account_id = 2;
  string env_id = 3;
  string app_id = 4;
  string function_slug = 5;
  optional string step_id = 6;
  bytes system_trace_ctx = 7;
  bytes user_trace_ctx = 8;
  string run_id = 9;
  string lease_id = 10;
}

message WorkerRequestExtendLeaseAckData {
  string request_id = 1;
  string account_id = 2;
  string env_id = 3;
  string app_id = 4;
  string function_slug = 5;
  optional string new_lease_id = 6;
}

message SDKResponse {
  string request_id = 1;
  string account_id = 2;
  string env_id = 3;
  string app_id = 4;
  SDKResponseStatus status = 5;
  bytes body = 6;
  bool no_retry = 7;
  optional string retry_after = 8;
  string sdk_version = 9;
  uint32 request_version = 10;
  bytes system_trace_ctx = 11;
  bytes user_trace_ctx = 12;
  string run_id = 13;
}

message WorkerReplyAckData {
  string request_id = 1;
}

message FlushResponse {
  string request_id = 1;
}
`;
