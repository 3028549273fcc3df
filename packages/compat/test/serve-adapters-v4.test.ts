// inngest v4's fastify, koa, node, edge and Next.js adapters, each syncing and running one
// function with step.run, sleep, waitForEvent and invoke on Weft (express and hono: sync.ts).
import { describe } from "vitest";
import { adaptersV4 } from "../src/adapters/adapters-v4.js";
import { serveAdapterScenarios } from "../src/scenarios/serve-adapters.js";
import { inngestV4 } from "../src/sdk-v4.js";

describe(`${inngestV4.label} on Weft (SQLite)`, () => serveAdapterScenarios(inngestV4, adaptersV4));
