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
export type { ApiEvent, ApiRerun, ApiRun, ApiRunPage, ApiRunStatus, ApiStep, ApiStepError, ApiStepStatus } from "./api-shapes.js";
export type { WeftEvent, Opcode, OutgoingOp, Trigger, FunctionConfig, RegisterRequest, CallRequest } from "./wire.js";
export { hashStepId } from "./step-id.js";
export { valueAtPath } from "./json-path.js";
export { canonicalJson } from "./canonical-json.js";
export { compileExpression, evaluateCondition } from "./expression/compile.js";
export type { CompiledExpression } from "./expression/compile.js";
export { substituteVariable } from "./expression/substitute.js";
export { extractEqualityKey } from "./expression/equality-key.js";
export { expressionProblem } from "./expression/problem.js";
export { parseCron } from "./cron.js";
export type { CronSchedule } from "./cron.js";
export { hashSigningKey, signRequest, verifySignature } from "./signing.js";
