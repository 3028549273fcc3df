export { startTestWeft, serveApp, api, waitFor, runsOf, runWithStatus, stepsOf, sendEvents } from "./harness.js";
export type { TestWeft, ApiRun, ApiStep } from "./harness.js";
