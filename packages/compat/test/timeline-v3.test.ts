// Every step kind's timeline (and the invoke lines' child links) with the official SDK v3.
import { inngestV3 } from "../src/sdk-v3.js";
import { timelineSuite } from "./timeline-suite.js";

timelineSuite(inngestV3);
