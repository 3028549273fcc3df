import { openStateUrl, openStores, redactUrl, splitStateUrls } from "@weft/server";
import { planRebalance, rebalance, runIdsFromHistory, shardLayout } from "@weft/store-layers";
import { parse, UsageError } from "./args.js";

/**
 * `weft shards rebalance --db URL --from URLS --to URLS [--dry-run]`: move the runs whose shard
 * changes when the shard list does. Stop every engine first; the command is safe to run again (an
 * interrupted rebalance finishes where it stopped). Then start the engines with `--state TO`.
 */
export async function shards(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    db: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    "dry-run": { type: "boolean", default: false },
  });
  if (positionals[0] !== "rebalance" || !values.db || !values.from || !values.to) {
    throw new UsageError("usage: weft shards rebalance --db URL --from STATE_URLS --to STATE_URLS [--dry-run]");
  }
  const db = await openStores({ db: values.db });
  const history = db.history;
  const from = splitStateUrls(values.from).map(openStateUrl);
  const to = splitStateUrls(values.to).map(openStateUrl);
  const bundles = [...from, ...to];
  try {
    await Promise.all(bundles.map((b) => b.init()));
    const layouts = { from: shardLayout(from), to: shardLayout(to) };
    if (values["dry-run"]) {
      const runIds: string[] = [];
      for await (const id of runIdsFromHistory(history)) runIds.push(id);
      const moves = planRebalance(layouts.from, layouts.to, runIds);
      console.log(`${moves.length} of ${runIds.length} run(s) would move from ${redactUrl(values.from)} to ${redactUrl(values.to)}`);
      return;
    }
    const report = await rebalance({ ...layouts, runIds: runIdsFromHistory(history) });
    console.log(`rebalanced: ${JSON.stringify(report)}`);
  } finally {
    await Promise.all(bundles.map((b) => b.close()));
    await db.close();
  }
}
