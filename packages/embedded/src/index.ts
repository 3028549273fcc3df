export { createEngine } from "./create-engine.js";
export type { EmbeddedEngine, EmbeddedOptions } from "./create-engine.js";
export { inProcessRoute } from "./transport.js";
