// Every step kind's timeline (and the invoke lines' child links) with the official SDK v4.
import { inngestV4 } from "../src/sdk-v4.js";
import { timelineSuite } from "./timeline-suite.js";

timelineSuite(inngestV4);
