export { runStoreSuite } from "./run-store-suite.js";
export type { StoreSuiteOptions, StoreSuiteSkip } from "./run-store-suite.js";
export type { CaseContext, DefineCase, DefineFlowCase, FlowCaseContext } from "./case-context.js";
export { runRealtimeBusSuite } from "./realtime-bus-suite.js";
export type { RealtimeBusSuiteOptions } from "./realtime-bus-suite.js";
export { withMemoryRegistryAndHistory } from "./with-memory-registry-and-history.js";
export { checkRollupsReachOtherProcesses } from "./rollup-flush.js";
