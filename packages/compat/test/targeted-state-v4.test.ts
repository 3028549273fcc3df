// A planned step's call carries only the state it was planned with, with the official SDK v4.
import { inngestV4 } from "../src/sdk-v4.js";
import { targetedStateSuite } from "./targeted-state-suite.js";

targetedStateSuite(inngestV4);
