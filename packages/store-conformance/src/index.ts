export { runStoreSuite } from "./run-store-suite.js";
export type { StoreSuiteOptions, StoreSuiteSkip } from "./run-store-suite.js";
export type { CaseContext, DefineCase } from "./case-context.js";
