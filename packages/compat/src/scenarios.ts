// The compatibility suite, written once and run against each official SDK version. Each area
// has its own Weft server (SQLite) and apps, started and stopped by its describe block.
import { describe } from "vitest";
import { checkpointScenarios } from "./scenarios/checkpointing.js";
import { cronScenarios } from "./scenarios/cron.js";
import { eventKeyScenarios } from "./scenarios/event-keys.js";
import { failureScenarios } from "./scenarios/failures.js";
import { flowControlScenarios } from "./scenarios/flow-control.js";
import { gatewayScenarios } from "./scenarios/gateway.js";
import { signingScenarios } from "./scenarios/signing.js";
import { stepScenarios } from "./scenarios/steps.js";
import { syncScenarios } from "./scenarios/sync.js";
import { interopScenarios } from "./scenarios/weft-interop.js";
import type { SdkUnderTest } from "./sdk-under-test.js";

/** Register the whole suite (vitest describe/it blocks) for one SDK version. */
export function runCompatSuite(sdk: SdkUnderTest): void {
  describe(`${sdk.label} on Weft (SQLite)`, () => {
    syncScenarios(sdk);
    flowControlScenarios(sdk);
    stepScenarios(sdk);
    failureScenarios(sdk);
    gatewayScenarios(sdk);
    checkpointScenarios(sdk);
    cronScenarios(sdk);
    signingScenarios(sdk);
    eventKeyScenarios(sdk);
    interopScenarios(sdk);
  });
}
