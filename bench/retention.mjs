// The retention sweep over a large history: fills SQLite and Postgres with N events and N finished
// runs (each with run state: two saved steps and its idempotency key; and two timeline lines), by
// bulk INSERT … SELECT, half of them older than the retention period and half newer, plus 1 in 100
// runs still Running (old ones too, with their trigger events), then runs one sweep
// (`Engine.sweepRetention`, batches of 1,000 rows) while a probe writes and reads a run every 10 ms,
// and reports row counts, file size and the probe's worst latency before and after.
//
//   npm run build && node bench/retention.mjs [--rows 1000000] [--stores sqlite,postgres]
//
// Prints one RESULT line of JSON; docs/benchmarks.md ("Retention sweep") records the figures.
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { Engine, silentLogger } from "@weft/engine";
import { closeStores, openStores } from "@weft/server";
import { round } from "./lib/stats.mjs";
import { postgresUrl, storeConfig } from "./lib/stores.mjs";

const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, stores: { type: "string", default: "sqlite,postgres" } } });
const rows = Number(values.rows);
const day = 24 * 3600_000;
const now = Date.now();
const retentionMs = 30 * day;
const chunk = 50_000;
const tables = ["history_events", "history_runs", "history_steps", "runs", "steps", "idempotency_keys"];

/** Row i: old (60 days ago) when even, new (1 day ago) when odd; Running when i % 100 == 1 or 0. */
const at = (i) => `(CASE WHEN ${i} % 2 = 0 THEN ${now - 60 * day} ELSE ${now - day} END + ${i} % 1000)`;
const status = (i) => `(CASE WHEN ${i} % 100 <= 1 THEN 'Running' ELSE 'Completed' END)`;
const ended = (i) => `(CASE WHEN ${i} % 100 <= 1 THEN NULL ELSE ${at(i)} + 500 END)`;

function fillSqlite(file) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const runId = (i) => `printf('run-%09d', ${i})`;
  for (let from = 0; from < rows; from += chunk) {
    const to = Math.min(rows, from + chunk);
    const n = `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to - 1})`;
    db.transaction(() => {
      db.exec(`
        INSERT INTO history_events (id, name, received_at, body) ${n}
          SELECT printf('evt-%09d', i), 'bench/go', ${at("i")}, '{"name":"bench/go","data":{"i":' || i || '},"id":"' || printf('evt-%09d', i) || '"}' FROM n;
        INSERT INTO history_runs (run_id, function_id, event_id, status, started_at, ended_at, output) ${n}
          SELECT ${runId("i")}, 'bench-fn', printf('evt-%09d', i), ${status("i")}, ${at("i")}, ${ended("i")}, '{"data":' || i || '}' FROM n;
        INSERT INTO history_steps (run_id, step_id, attempt, name, op, status, started_at, ended_at, output) ${n}, s(k) AS (VALUES (1), (2))
          SELECT ${runId("i")}, 'step-' || k, 0, 'step ' || k, 'StepRun', 'Completed', ${at("i")}, ${at("i")} + 10, '{"data":' || i || '}' FROM n, s;
        INSERT INTO runs (run_id, idempotency_key, function_id, app_id, env, created_at, max_attempts, status, version, force_step_plan, ended_at, output, stack_length, events) ${n}
          SELECT ${runId("i")}, 'bench-fn:' || i, 'bench-fn', 'bench', 'dev', ${at("i")}, 1, ${status("i")}, 1, 0, ${ended("i")}, '{"data":' || i || '}', 2,
            '[{"name":"bench/go","data":{"i":' || i || '}}]' FROM n;
        INSERT INTO steps (run_id, step_id, seq, output) ${n}, s(k) AS (VALUES (0), (1))
          SELECT ${runId("i")}, 'step-' || k, k, '{"data":"' || hex(randomblob(32)) || '"}' FROM n, s;
        INSERT INTO idempotency_keys (key, run_id) ${n} SELECT 'bench-fn:' || i, ${runId("i")} FROM n;
      `);
    })();
    process.stderr.write(`sqlite: ${to} rows\r`);
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  process.stderr.write("\n");
}

async function fillPostgres(schema) {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  await client.query("SET synchronous_commit = off");
  const runId = (i) => `'run-' || lpad(${i}::text, 9, '0')`;
  const evt = (i) => `'evt-' || lpad(${i}::text, 9, '0')`;
  const big = (sql) => sql.replaceAll("% 2", "::bigint % 2");
  for (let from = 0; from < rows; from += chunk) {
    const to = Math.min(rows, from + chunk);
    const n = `generate_series(${from}, ${to - 1}) AS i`;
    await client.query(
      big(`INSERT INTO history_events (id, name, received_at, body)
      SELECT ${evt("i")}, 'bench/go', ${at("i")}, '{"name":"bench/go","data":{"i":' || i || '}}' FROM ${n}`),
    );
    await client.query(
      big(`INSERT INTO history_runs (run_id, function_id, event_id, status, started_at, ended_at, output)
      SELECT ${runId("i")}, 'bench-fn', ${evt("i")}, ${status("i")}, ${at("i")}, ${ended("i")}, '{"data":' || i || '}' FROM ${n}`),
    );
    await client.query(
      big(`INSERT INTO history_steps (run_id, step_id, attempt, name, op, status, started_at, ended_at, output)
      SELECT ${runId("i")}, 'step-' || k, 0, 'step ' || k, 'StepRun', 'Completed', ${at("i")}, ${at("i")} + 10, '{"data":' || i || '}' FROM ${n}, (VALUES (1), (2)) AS s(k)`),
    );
    await client.query(
      big(`INSERT INTO runs (run_id, idempotency_key, function_id, app_id, env, created_at, max_attempts, status, version, force_step_plan, ended_at, output, stack_length, events)
      SELECT ${runId("i")}, 'bench-fn:' || i, 'bench-fn', 'bench', 'dev', ${at("i")}, 1, ${status("i")}, 1, false, ${ended("i")}, '{"data":' || i || '}', 2,
        '[{"name":"bench/go","data":{"i":' || i || '}}]' FROM ${n}`),
    );
    await client.query(`INSERT INTO steps (run_id, step_id, seq, output)
      SELECT ${runId("i")}, 'step-' || k, k, '{"data":"' || md5(random()::text) || md5(random()::text) || '"}' FROM ${n}, (VALUES (0), (1)) AS s(k)`);
    await client.query(`INSERT INTO idempotency_keys (key, run_id) SELECT 'bench-fn:' || i, ${runId("i")} FROM ${n}`);
    process.stderr.write(`postgres: ${to} rows\r`);
  }
  for (const t of tables) await client.query(`VACUUM ANALYZE ${t}`);
  await client.end();
  process.stderr.write("\n");
}

async function counts(store, config) {
  if (store === "sqlite") {
    const file = config.db.slice("sqlite:".length);
    const db = new Database(file, { readonly: true });
    const out = Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n]));
    out.freePages = db.pragma("freelist_count", { simple: true });
    db.close();
    const size = (f) => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    out.fileMB = round(size(file) / 1024 / 1024);
    out.walMB = round(size(`${file}-wal`) / 1024 / 1024);
    return out;
  }
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const schema = new URL(config.db).searchParams.get("schema");
  await client.query(`SET search_path TO "${schema}"`);
  const out = {};
  for (const t of tables) out[t] = (await client.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
  const sizes = await client.query(`SELECT sum(pg_total_relation_size(quote_ident($1) || '.' || quote_ident(t)))::bigint AS b FROM unnest($2::text[]) AS t`, [
    schema,
    tables,
  ]);
  out.sizeMB = round(Number(sizes.rows[0].b) / 1024 / 1024);
  await client.end();
  return out;
}

async function measure(store) {
  const { config, cleanup } = storeConfig(store, "retention");
  const result = { store, rows };
  try {
    await closeStores(await openStores(config)); // migrations
    const t0 = performance.now();
    if (store === "sqlite") fillSqlite(config.db.slice("sqlite:".length));
    else await fillPostgres(new URL(config.db).searchParams.get("schema"));
    result.loadS = round((performance.now() - t0) / 1000);
    result.before = await counts(store, config);
    const stores = await openStores(config);
    const engine = new Engine({ stores, log: silentLogger, retention: { eventsMs: retentionMs, runsMs: retentionMs } });
    // The store keeps serving: a run is recorded, updated and read back every 10 ms during the sweep.
    const probeMs = [];
    let probing = true;
    const probe = (async () => {
      for (let k = 0; probing; k++) {
        const t = performance.now();
        const runId = `probe-${k}`;
        await stores.history.recordRun({ runId, functionId: "probe", eventId: "none", status: "Running", startedAt: Date.now() });
        await stores.history.updateRun(runId, { status: "Completed", endedAt: Date.now() });
        await stores.history.getRun(runId);
        probeMs.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const t1 = performance.now();
    result.sweep = await engine.sweepRetention();
    result.sweepS = round((performance.now() - t1) / 1000);
    probing = false;
    await probe;
    probeMs.sort((a, b) => a - b);
    result.probe = { calls: probeMs.length, p50Ms: round(probeMs[Math.floor(probeMs.length / 2)]), maxMs: round(probeMs.at(-1)) };
    await closeStores(stores);
    result.after = await counts(store, config);
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
console.log(`RESULT ${JSON.stringify({ now: new Date(now).toISOString(), rows, retentionDays: 30, results })}`);
