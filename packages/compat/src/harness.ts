// The e2e harness (an in-process Weft server over SQLite, REST helpers), shared rather than copied.
export { api, runOf, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor } from "@weft/e2e";
export type { ApiRun, ApiStep, TestWeft, TestWeftOptions } from "@weft/e2e";
