// The same compatibility suite against the official SDK, v3 (`inngest-v3` = inngest@3.54.2).
import { inngestV3 } from "../src/sdk-v3.js";
import { runCompatSuite } from "../src/scenarios.js";

runCompatSuite(inngestV3);
