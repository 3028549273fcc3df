import { ManualClock } from "@weft/store";
import type { Clock, StoreBundle, Stores } from "@weft/store";
import { describe, it } from "vitest";
import type { DefineCase, DefineFlowCase } from "./case-context.js";
import { flowCases } from "./flow-cases.js";
import { historyCases } from "./history-cases.js";
import { historyRetentionCases } from "./history-retention-cases.js";
import { pauseCases } from "./pause-cases.js";
import { pauseClaimCases } from "./pause-claim-cases.js";
import { queueCases } from "./queue-cases.js";
import { queueDeliveryCases } from "./queue-delivery-cases.js";
import { registryCases } from "./registry-cases.js";
import { runMetricsCases } from "./run-metrics-cases.js";
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
   * A fresh, isolated bundle built on `clock` (a `ManualClock` the cases move by hand), with the
   * default dedupe window, not yet initialised: the suite calls its `init()` before the case and its
   * `close()` after it. A backend with state stores only completes it with
   * `withMemoryRegistryAndHistory`.
   */
  create: (ctx: { clock: Clock }) => Promise<StoreBundle>;
  /** More teardown after each case, once the suite has closed the bundle (drop a schema, delete keys). */
  destroy?: (bundle: StoreBundle) => Promise<void>;
  skip?: StoreSuiteSkip[];
}

/**
 * Register the store conformance cases with vitest: every invariant of ARCHITECTURE.md that the
 * store contracts promise, each as its own case on a fresh bundle.
 */
export function runStoreSuite(opts: StoreSuiteOptions): void {
  const skipped = new Set<string>();
  for (const entry of opts.skip ?? []) {
    console.warn(`[store conformance: ${opts.name}] skipping ${entry.tests.length} case(s): ${entry.reason}`);
    for (const title of entry.tests) skipped.add(title);
  }
  warnUnknownSkips(opts.name, skipped);

  const test: DefineCase = (title, body, caseOpts) => {
    if (skipped.has(title)) {
      it.skip(title, () => {}); // skipped on purpose: the backend listed it in `skip`, whose reason is printed above
      return;
    }
    it(
      title,
      async () => {
        await withStores(opts, (stores, clock) => body({ stores, clock }));
      },
      caseOpts?.timeoutMs,
    );
  };

  const flowTest: DefineFlowCase = (title, body) => test(title, ({ stores, clock }) => body({ flow: stores.flow, clock }));

  describe(`store conformance: ${opts.name}`, () => {
    for (const group of groups) describe(group.name, () => group.cases(test));
    describe("FlowStore", () => flowCases(flowTest));
  });
}

/** A fresh, initialised bundle on a fresh clock for one case, closed (then destroyed) whatever the case did. */
async function withStores(opts: StoreSuiteOptions, body: (stores: Stores, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = new ManualClock();
  const bundle = await opts.create({ clock });
  try {
    await bundle.init();
    await body(bundle, clock);
  } finally {
    try {
      await bundle.close();
    } finally {
      await opts.destroy?.(bundle);
    }
  }
}

/** Each store's cases, in the order they are registered. */
const groups: { name: string; cases: (test: DefineCase) => void }[] = [
  { name: "RunStateStore", cases: runStateCases },
  { name: "PauseStore", cases: pauseCases },
  { name: "PauseStore claims", cases: pauseClaimCases },
  { name: "Queue", cases: queueCases },
  { name: "Queue delivery", cases: queueDeliveryCases },
  { name: "RegistryStore", cases: registryCases },
  { name: "HistoryStore", cases: historyCases },
  { name: "HistoryStore: retention", cases: historyRetentionCases },
  { name: "HistoryStore: chart rollups", cases: runMetricsCases },
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
