export { Weft } from "./client.js";
export type { ServerRoute, WeftOptions } from "./config.js";
export { routeClient } from "./config.js";
export { EventSchemas } from "./event-schemas.js";
export { channel, getSubscriptionToken, publish, realtime, subscribe, topic } from "./realtime.js";
export type { ChannelInstance, RealtimeMessage, RealtimeSubscription, SubscriptionToken, TopicRef, TopicsConfig } from "./realtime.js";
export { WeftFunction, referenceFunction } from "./function.js";
export { serve } from "./serve-node.js";
export { serveFetch } from "./serve-fetch.js";
export { connect, ConnectionState } from "./connect/worker-connection.js";
export type { ConnectApp, ConnectOptions, WorkerConnection } from "./connect/worker-connection.js";
export { createServeHandler } from "./serve-handler.js";
export type { ServeOptions, HandlerRequest, HandlerResponse } from "./serve-handler.js";
export { NonRetriableError, RetryAfterError, StepError, isWeftError } from "@weft/core";
export type { Jsonify } from "./jsonify.js";
export type {
  CancelOn,
  ConcurrencyOption,
  CronEvent,
  CronTrigger,
  EventPayload,
  EventSchemaEntry,
  EventTrigger,
  FailureContext,
  FailureEvent,
  FunctionOptions,
  HandlerContext,
  Invocable,
  InvokeOptions,
  Logger,
  ReceivedEvent,
  ReceivedSignal,
  SendPayload,
  StepTools,
  TimeInput,
  TriggerEvent,
  TriggerInput,
  WaitForEventOptions,
  WaitForSignalOptions,
} from "./types.js";
