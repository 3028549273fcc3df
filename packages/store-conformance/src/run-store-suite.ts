import { ManualClock, closeStores } from "@weft/store";
import type { Clock, Stores } from "@weft/store";
import { describe, it } from "vitest";
import type { DefineCase, DefineFlowCase } from "./case-context.js";
import { flowCases } from "./flow-cases.js";
import { historyCases } from "./history-cases.js";
import { pauseCases } from "./pause-cases.js";
import { queueCases } from "./queue-cases.js";
import { queueDeliveryCases } from "./queue-delivery-cases.js";
import { runStateCases } from "./run-state-cases.js";

export interface StoreSuiteSkip {
  /** Why these cases cannot run here; printed with `console.warn`. */
  reason: string;
  /** Case titles, exactly as registered. */
  tests: string[];
}

export interface StoreSuiteOptions {
  /** Shown in the `describe` title. */
  name: string;
  /**
   * A fresh, isolated set of stores built on `clock` (a `ManualClock` the cases move by hand), with
   * the default dedupe window. The suite calls `init()` on each store.
   */
  create: (ctx: { clock: Clock }) => Promise<Stores>;
  /** Tear down after each case; by default every store is closed. */
  destroy?: (stores: Stores) => Promise<void>;
  skip?: StoreSuiteSkip[];
}

/**
 * Register the store conformance cases with vitest: every invariant of ARCHITECTURE.md that the four
 * store contracts promise, each as its own case on fresh stores. The `FlowStore` cases run when the
 * bundle has a `flow`; a bundle without one skips them, with one warning.
 */
export function runStoreSuite(opts: StoreSuiteOptions): void {
  const skipped = new Set<string>();
  for (const entry of opts.skip ?? []) {
    console.warn(`[store conformance: ${opts.name}] skipping ${entry.tests.length} case(s): ${entry.reason}`);
    for (const title of entry.tests) skipped.add(title);
  }
  warnUnknownSkips(opts.name, skipped);

  const test: DefineCase = (title, body) => {
    if (skipped.has(title)) {
      it.skip(title, () => {}); // skipped on purpose: the backend listed it in `skip`, whose reason is printed above
      return;
    }
    it(title, async () => {
      await withStores(opts, (stores, clock) => body({ stores, clock }));
    });
  };

  // Whether a bundle has a `flow` is known only once `create` has run (cases are registered before
  // any store exists), so these cases are registered always and skip themselves at run time.
  let warnedNoFlow = false;
  const flowTest: DefineFlowCase = (title, body) => {
    if (skipped.has(title)) {
      it.skip(title, () => {}); // skipped on purpose: the backend listed it in `skip`, whose reason is printed above
      return;
    }
    it(title, async (ctx) => {
      await withStores(opts, async (stores, clock) => {
        const flow = stores.flow;
        if (flow === undefined) {
          if (!warnedNoFlow) {
            warnedNoFlow = true;
            console.warn(`\n[store conformance: ${opts.name}] no FlowStore: flow-control cases skipped\n`);
          }
          return ctx.skip("the bundle has no FlowStore");
        }
        await flow.init();
        await body({ flow, clock });
      });
    });
  };

  describe(`store conformance: ${opts.name}`, () => {
    for (const group of groups) describe(group.name, () => group.cases(test));
    describe("FlowStore", () => flowCases(flowTest));
  });
}

/** Fresh, initialised stores on a fresh clock for one case, torn down whatever the case did. */
async function withStores(opts: StoreSuiteOptions, body: (stores: Stores, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = new ManualClock();
  const stores = await opts.create({ clock });
  try {
    await Promise.all([stores.state.init(), stores.pauses.init(), stores.queue.init(), stores.history.init()]);
    await body(stores, clock);
  } finally {
    // `closeStores` (the default teardown) knows only the four stores; a store may be closed twice.
    await stores.flow?.close();
    await (opts.destroy ?? closeStores)(stores);
  }
}

/** Each store's cases, in the order they are registered. */
const groups: { name: string; cases: (test: DefineCase) => void }[] = [
  { name: "RunStateStore", cases: runStateCases },
  { name: "PauseStore", cases: pauseCases },
  { name: "Queue", cases: queueCases },
  { name: "Queue delivery", cases: queueDeliveryCases },
  { name: "HistoryStore", cases: historyCases },
];

/** Collect every title without vitest (rejecting duplicates), and warn about skips naming none. */
function warnUnknownSkips(suiteName: string, skipped: ReadonlySet<string>): void {
  const titles = new Set<string>();
  const collect = (title: string): void => {
    if (titles.has(title)) throw new Error(`duplicate conformance case title: ${title}`);
    titles.add(title);
  };
  for (const group of groups) group.cases(collect);
  flowCases(collect);
  const unknown = [...skipped].filter((title) => !titles.has(title));
  if (unknown.length > 0) {
    const names = unknown.map((t) => JSON.stringify(t)).join(", ");
    console.warn(`[store conformance: ${suiteName}] skip names no such case: ${names}`);
  }
}
