// Streamed answers with the official SDK, v4 (`inngest`, `streaming: true`): every step kind and
// failure gives the same run as the plain answer.
import { streamingScenarios } from "../src/scenarios/streaming.js";
import { inngestV4 } from "../src/sdk-v4.js";

streamingScenarios(inngestV4);
