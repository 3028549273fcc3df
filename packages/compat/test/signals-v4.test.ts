// `step.waitForSignal` and `inngest.sendSignal` with the official SDK v4 (signals-suite.ts).
import { inngestV4 } from "../src/sdk-v4.js";
import { signalsSuite } from "./signals-suite.js";

signalsSuite(inngestV4, { races: 12 });
