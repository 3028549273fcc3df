// Streamed answers with the official SDK, v3 (`inngest@3`, `streaming: "force"`): every step kind
// and failure gives the same run as the plain answer.
import { streamingScenarios } from "../src/scenarios/streaming.js";
import { inngestV3 } from "../src/sdk-v3.js";

streamingScenarios(inngestV3);
