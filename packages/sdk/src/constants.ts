/** The SDK's identity on the wire. */
export const sdkVersion = "0.1.0";

/** `x-inngest-sdk` / `User-Agent`: `<author>-<language>:v<version>`, as inngest-js spells its own. */
export const sdkHeader = `weft-js:v${sdkVersion}`;

/** The `sdk` field of a register body: `<language>:v<version>` (inngest-js sends `js:v4.x`). */
export const sdkBodyId = `js:v${sdkVersion}`;

/** The execution version this SDK speaks: V1 (rediscover after every completed step). */
export const requestVersion = "1";

/** The event key used when none is configured; dev servers accept any key. */
export const dummyEventKey = "NO_EVENT_KEY_SET";

/** Default API and event base URL (a local Weft or Inngest dev server). */
export const defaultBaseUrl = "http://localhost:8288";

/** The one step id every function registers; `stepId=step` means "discover" (named in @weft/core's wire types). */
export { discoveryStepId } from "@weft/core";

/** Parallel steps one call runs at once by default (`WeftOptions.parallelSteps`). */
export const defaultParallelSteps = 50;

/** Suffix of the function registered for an `onFailure` handler. */
export const failureSuffix = "-failure";
