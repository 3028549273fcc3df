import type { ManualClock, Stores } from "@weft/store";

/** What each case gets: fresh, initialised stores built on `clock`, which the case moves by hand. */
export interface CaseContext {
  stores: Stores;
  clock: ManualClock;
}

/** Registers one case; the suite decides whether it runs or is skipped. */
export type DefineCase = (title: string, body: (ctx: CaseContext) => Promise<void>) => void;
