export { startTestWeft, serveApp, api, waitFor, runOf, runsOf, runWithStatus, stepsOf, sendEvents, listenPlain } from "./harness.js";
export type { TestWeftOptions, TestWeft, ApiRun, ApiStep } from "./harness.js";
export { startFaultyApp, answerOk } from "./faulty-app.js";
export { freePort, kill9, processLog, requireBuiltCli, startWeftProcess } from "./processes.js";
export type { Behaviour, FaultyApp } from "./faulty-app.js";
