// The compatibility suite against the official SDK, v4 (`inngest`): sync, every step kind,
// errors and retries, step.fetch / step.ai, checkpointing, cron, signing, event keys, and
// interplay with Weft's own SDK, over a real Weft server on SQLite.
import { inngestV4 } from "../src/sdk-v4.js";
import { runCompatSuite } from "../src/scenarios.js";

runCompatSuite(inngestV4);
