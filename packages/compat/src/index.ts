export type * from "./sdk-under-test.js";
export { inngestV4 } from "./sdk-v4.js";
export { inngestV3 } from "./sdk-v3.js";
export { runCompatSuite } from "./scenarios.js";
export { serveInngest, serveAndSync, syncApp, callsOfRun, opsOf, type AppExchange, type Framework, type ServedApp } from "./serve-inngest.js";
export { startFakeEndpoint, type FakeEndpoint, type FakeRequest } from "./fake-endpoint.js";
export { signatureIsValid } from "./signature.js";
