// The e2e harness (an in-process Weft server over SQLite, REST helpers). Imported by path:
// @weft/e2e's package.json declares no entry point, so the package name does not resolve for tsc.
export { api, runOf, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor } from "../../e2e/src/index.js";
export type { ApiRun, ApiStep, TestWeft, TestWeftOptions } from "../../e2e/src/index.js";
