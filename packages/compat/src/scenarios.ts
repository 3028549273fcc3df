// The compatibility suite, written once and run against each official SDK version.
import { describe } from "vitest";
import type { SdkUnderTest } from "./sdk-under-test.js";
import { stepScenarios } from "./scenarios/steps.js";
import { syncScenarios } from "./scenarios/sync.js";

/** Register the whole suite (vitest describe/it blocks) for one SDK version. */
export function runCompatSuite(sdk: SdkUnderTest): void {
  describe(`${sdk.label} on Weft (SQLite)`, () => {
    syncScenarios(sdk);
    stepScenarios(sdk);
  });
}
