export { runStoreSuite } from "./run-store-suite.js";
export type { StoreSuiteOptions, StoreSuiteSkip } from "./run-store-suite.js";
export type { CaseContext, DefineCase, DefineFlowCase, FlowCaseContext } from "./case-context.js";
export { withMemoryRegistryAndHistory } from "./with-memory-registry-and-history.js";
