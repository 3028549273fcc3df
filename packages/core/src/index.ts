export {
  WeftError,
  RunNotFoundError,
  StateConflictError,
  StoreUnavailableError,
  InvalidInputError,
  LimitExceededError,
  NonRetriableError,
  RetryAfterError,
  StepError,
  isWeftError,
  serializeError,
} from "./errors.js";
export type { ErrorCode, SerializedError } from "./errors.js";
export { ulid, ulidTime, seededUlids } from "./ulid.js";
export { parseDuration, resolveTime, formatDuration } from "./time.js";
export { internalEvents, internalEventPrefix, eventChainDepth, runChainDepthLimitName, headers, discoveryStepId } from "./wire.js";
export type {
  ApiBulkDryRun,
  ApiBulkOperation,
  ApiBulkRequest,
  ApiConnectWorker,
  ApiEvent,
  ApiMetricsRange,
  ApiRerun,
  ApiRunTrace,
  ApiTraceSpan,
  ApiRun,
  ApiRunCounts,
  ApiRunMetrics,
  ApiRunMetricsPoint,
  ApiRunPage,
  ApiRunStatus,
  ApiStep,
  ApiStepError,
  ApiStepStatus,
} from "./api-shapes.js";
export type { WeftEvent, Opcode, OutgoingOp, Trigger, FunctionConfig, RegisterRequest, CallRequest } from "./wire.js";
export { hashStepId } from "./step-id.js";
export { describeTlsProblem, tlsProblemOf } from "./tls-problem.js";
export type { TlsProblem } from "./tls-problem.js";
export { valueAtPath } from "./json-path.js";
export { canonicalJson } from "./canonical-json.js";
export { checkCondition, compileExpression, evaluateCondition } from "./expression/compile.js";
export type { CompiledExpression, ConditionOutcome } from "./expression/compile.js";
export { explainExpression } from "./expression/explain.js";
export type { Explanation, ExplainedTerm } from "./expression/explain.js";
export { substituteVariable } from "./expression/substitute.js";
export { extractEqualityKey } from "./expression/equality-key.js";
export { expressionProblem } from "./expression/problem.js";
export { parseCron } from "./cron.js";
export type { CronSchedule } from "./cron.js";
export { hashSigningKey, signRequest, verifySignature } from "./signing.js";
