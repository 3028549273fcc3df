// `step.waitForSignal` and `inngest.sendSignal` with the official SDK v3, 3.54, where both are
// marked experimental (signals-suite.ts).
import { inngestV3 } from "../src/sdk-v3.js";
import { signalsSuite } from "./signals-suite.js";

signalsSuite(inngestV3, { races: 6 });
