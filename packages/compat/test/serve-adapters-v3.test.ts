// inngest v3's fastify, koa, node, edge and Next.js adapters, each syncing and running one
// function with step.run, sleep, waitForEvent and invoke on Weft (express and hono: sync.ts).
import { describe } from "vitest";
import { adaptersV3 } from "../src/adapters/adapters-v3.js";
import { serveAdapterScenarios } from "../src/scenarios/serve-adapters.js";
import { inngestV3 } from "../src/sdk-v3.js";

describe(`${inngestV3.label} on Weft (SQLite)`, () => serveAdapterScenarios(inngestV3, adaptersV3));
