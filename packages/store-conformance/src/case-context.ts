import type { FlowStore, ManualClock, Stores } from "@weft/store";

/** What each case gets: the stores of a fresh, initialised bundle built on `clock`, which the case moves by hand. */
export interface CaseContext {
  stores: Stores;
  clock: ManualClock;
}

/** Registers one case; the suite decides whether it runs or is skipped. */
/** `timeoutMs`: for the few cases that write thousands of records, longer than the default on a slow backend (a coordinator over HTTP/2). */
export type DefineCase = (title: string, body: (ctx: CaseContext) => Promise<void>, opts?: { timeoutMs?: number }) => void;

/** What each flow-control case gets: the bundle's `FlowStore` and the clock. */
export interface FlowCaseContext {
  flow: FlowStore;
  clock: ManualClock;
}

/** Registers one flow-control case; the suite decides whether it runs or is skipped. */
export type DefineFlowCase = (title: string, body: (ctx: FlowCaseContext) => Promise<void>) => void;
