export { startTestWeft, serveApp, api, waitFor, runOf, runsOf, runWithStatus, stepsOf, sendEvents } from "./harness.js";
export type { TestWeftOptions, TestWeft, ApiRun, ApiStep } from "./harness.js";
