/** The WebSocket subprotocol a `connect()` worker asks for (the SDK refuses to talk without it). */
export const connectSubprotocol = "v0.connect.inngest.com";

/** `POST` with a protobuf `StartRequest`: answers a `StartResponse` naming the gateway and the session token. */
export const connectStartPath = "/v0/connect/start";

/** `POST` with a protobuf `SDKResponse`: a reply the worker could not send over its socket (answers `FlushResponse`). */
export const connectFlushPath = "/v0/connect/flush";

/** Where Weft's gateway accepts the WebSocket (the start answer names the full URL). */
export const connectGatewayPath = "/v0/connect";

/** Content type of the start and flush bodies, both ways. */
export const protobufContentType = "application/protobuf";
