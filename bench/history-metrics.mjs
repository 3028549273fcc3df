// The chart API with 1,000,000 runs stored: fills SQLite and Postgres with runs (and one step
// each) spread over the last 7 days across 20 functions, by bulk INSERT … SELECT, then builds the
// rollup rows from them with the stores' own backfill (the SQL their migration runs on existing
// history; live writes count through the store instead), then times `HistoryStore.runMetrics` and
// `GET /v1/metrics/runs` for each range, for all functions and for one.
//
//   npm run build && node bench/history-metrics.mjs [--runs 1000000] [--stores sqlite,postgres] [--repeat 30]
//
// Prints one RESULT line of JSON; docs/benchmarks.md ("Chart queries") records the figures.
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { silentLogger } from "@weft/engine";
import { rollupBackfill as postgresBackfill } from "@weft/store-postgres";
import { rollupBackfill as sqliteBackfill } from "@weft/store-sqlite";
import { closeStores, openStores, startWeftServer } from "@weft/server";
import { percentile, round } from "./lib/stats.mjs";
import { postgresUrl, storeConfig } from "./lib/stores.mjs";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "1000000" }, stores: { type: "string", default: "sqlite,postgres" }, repeat: { type: "string", default: "30" } },
});
const runs = Number(values.runs);
const repeat = Number(values.repeat);
const functions = 20;
const spanMs = 7 * 24 * 3600_000;
const chunk = 100_000;
const now = Date.now();

/** Run i: function i % 20, started evenly over the last week (newest first), 1 in 12 failed, 1 in 50 cancelled, one step of 1–~2,000 ms. */
const columns = {
  runId: (i) => `printf('run-%09d', ${i})`,
  status: (i) => `CASE WHEN ${i} % 50 = 0 THEN 'Cancelled' WHEN ${i} % 12 = 0 THEN 'Failed' ELSE 'Completed' END`,
  startedAt: (i) => `(${now} - ${i} * ${Math.floor(spanMs / runs)})`,
};

async function fillSqlite(file) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF"); // a bulk load; the store opens it with its own settings afterwards
  for (let from = 0; from < runs; from += chunk) {
    const to = Math.min(runs, from + chunk);
    db.transaction(() => {
      db.exec(`
        INSERT INTO history_runs (run_id, function_id, event_id, status, started_at, ended_at)
        WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to - 1})
        SELECT ${columns.runId("i")}, 'fn-' || (i % ${functions}), 'evt-' || i, ${columns.status("i")},
          ${columns.startedAt("i")}, min(${now}, ${columns.startedAt("i")} + (i * 7919) % 60000) FROM n;
        INSERT INTO history_steps (run_id, step_id, attempt, name, op, status, started_at, ended_at)
        WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to - 1})
        SELECT ${columns.runId("i")}, 'step', 0, 'step', 'StepRun', 'Completed', ${columns.startedAt("i")},
          ${columns.startedAt("i")} + 1 + (i * 104729) % 2000 * ((i % 7) + 1) / 7 FROM n;
      `);
    })();
    process.stderr.write(`sqlite: ${to} runs\r`);
  }
  db.exec(sqliteBackfill);
  db.close();
  process.stderr.write("\n");
}

async function fillPostgres(schema) {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  await client.query("SET synchronous_commit = off");
  const pgRunId = (i) => `'run-' || lpad(${i}::text, 9, '0')`;
  for (let from = 0; from < runs; from += chunk) {
    const to = Math.min(runs, from + chunk);
    await client.query(`
      INSERT INTO history_runs (run_id, function_id, event_id, status, started_at, ended_at)
      SELECT ${pgRunId("i")}, 'fn-' || (i % ${functions}), 'evt-' || i, ${columns.status("i")},
        ${columns.startedAt("i")}, LEAST(${now}, ${columns.startedAt("i")} + (i * 7919::bigint) % 60000)
      FROM generate_series(${from}, ${to - 1}) AS i`);
    await client.query(`
      INSERT INTO history_steps (run_id, step_id, attempt, name, op, status, started_at, ended_at)
      SELECT ${pgRunId("i")}, 'step', 0, 'step', 'StepRun', 'Completed', ${columns.startedAt("i")},
        ${columns.startedAt("i")} + 1 + (i * 104729::bigint) % 2000 * ((i % 7) + 1) / 7
      FROM generate_series(${from}, ${to - 1}) AS i`);
    process.stderr.write(`postgres: ${to} runs\r`);
  }
  await client.query(postgresBackfill);
  await client.query("VACUUM ANALYZE history_runs");
  await client.query("VACUUM ANALYZE history_steps");
  await client.query("VACUUM ANALYZE history_rollups");
  const [{ n }] = (await client.query("SELECT count(*)::int AS n FROM history_rollups")).rows;
  await client.end();
  process.stderr.write("\n");
  return n;
}

async function timed(fn) {
  for (let i = 0; i < 3; i++) await fn(); // warm: statement caches, plans, pages
  const ms = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: round(ms.at(-1)) };
}

const widths = { "1h": 60_000, "24h": 15 * 60_000, "7d": 3600_000 };
const points = { "1h": 60, "24h": 96, "7d": 168 };

async function measure(store) {
  const { config, cleanup } = storeConfig(store, "metrics");
  const result = { store, runs };
  try {
    // Opening runs the migrations (tables, indexes, rollup triggers); then the bulk load.
    await closeStores(await openStores(config));
    const loadStarted = performance.now();
    if (store === "sqlite") await fillSqlite(config.db.slice("sqlite:".length));
    else result.rollupRows = await fillPostgres(new URL(config.db).searchParams.get("schema"));
    result.loadS = round((performance.now() - loadStarted) / 1000);
    const stores = await openStores(config);
    const server = await startWeftServer({ stores, port: 0, log: silentLogger, syncIntervalMs: 3600_000 });
    try {
      const check = await stores.history.runMetrics({ widthMs: widths["7d"], from: 0, to: now + 3600_000 });
      result.countedRuns = check.reduce((a, b) => a + b.started, 0);
      result.queries = {};
      for (const range of ["1h", "24h", "7d"]) {
        const to = Math.floor(now / widths[range]) * widths[range] + widths[range];
        const from = to - points[range] * widths[range];
        for (const fn of [undefined, "fn-7"]) {
          const key = `${range}${fn ? " one function" : " all functions"}`;
          result.queries[key] = {
            store: await timed(() => stores.history.runMetrics({ widthMs: widths[range], from, to, functionId: fn })),
            http: await timed(async () => {
              const res = await fetch(`${server.url}/v1/metrics/runs?range=${range}${fn ? `&fn=${fn}` : ""}`);
              if (!res.ok) throw new Error(`GET /v1/metrics/runs answered ${res.status}`);
              await res.json();
            }),
          };
        }
      }
    } finally {
      await server.close();
      await closeStores(stores);
    }
  } finally {
    await cleanup();
  }
  return result;
}

const results = [];
for (const store of values.stores.split(",")) {
  const r = await measure(store);
  console.error(JSON.stringify(r, null, 1));
  results.push(r);
}
console.log(`RESULT ${JSON.stringify({ now: new Date(now).toISOString(), runs, repeat, results })}`);
