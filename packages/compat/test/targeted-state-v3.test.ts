// A planned step's call carries only the state it was planned with, with the official SDK v3.
import { inngestV3 } from "../src/sdk-v3.js";
import { targetedStateSuite } from "./targeted-state-suite.js";

targetedStateSuite(inngestV3);
