import { rollupMigration } from "./rollup-migration.js";
import { retentionMigration } from "./sqlite-history-retention.js";

/** One schema change. Versions are applied in order, once, and recorded in `schema_migrations`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append only: never edit a released migration, add the next version instead. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "run state",
    sql: `
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        idempotency_key TEXT NOT NULL,
        function_id TEXT NOT NULL,
        app_id TEXT NOT NULL,
        env TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        correlation_id TEXT,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        force_step_plan INTEGER NOT NULL,
        ended_at INTEGER,
        output TEXT,
        stack_length INTEGER NOT NULL,
        events TEXT NOT NULL
      );
      -- run_id is NULL once the run is deleted; the key is then a tombstone until tombstone_until.
      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        run_id TEXT,
        tombstone_until INTEGER
      ) WITHOUT ROWID;
      CREATE TABLE steps (
        run_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        output TEXT NOT NULL,
        PRIMARY KEY (run_id, step_id)
      ) WITHOUT ROWID;
      CREATE INDEX steps_by_run_seq ON steps (run_id, seq);
      CREATE TABLE pending_steps (
        run_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        PRIMARY KEY (run_id, step_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: "pauses",
    sql: `
      CREATE TABLE pauses (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        env TEXT NOT NULL,
        event_name TEXT NOT NULL,
        match_path TEXT,
        match_value TEXT,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX pauses_by_event ON pauses (env, event_name, match_path, match_value);
      CREATE INDEX pauses_by_run ON pauses (run_id);
    `,
  },
  {
    version: 3,
    name: "queue",
    sql: `
      -- ready_at is when the item can be leased: available_at, or the expiry of its current lease.
      CREATE TABLE queue_items (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        run_id TEXT,
        tenant TEXT NOT NULL,
        payload TEXT NOT NULL,
        available_at INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        ready_at INTEGER NOT NULL,
        lease_token TEXT,
        lease_expires_at INTEGER,
        lease_count INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX queue_unleased_by_available ON queue_items (available_at) WHERE lease_token IS NULL;
      CREATE INDEX queue_leased_by_expiry ON queue_items (lease_expires_at) WHERE lease_token IS NOT NULL;
      CREATE INDEX queue_by_tenant_ready ON queue_items (tenant, ready_at, seq);
      CREATE INDEX queue_by_run ON queue_items (run_id) WHERE run_id IS NOT NULL;
      -- Tenants with queued items, least recently served first.
      CREATE TABLE queue_tenants (
        tenant TEXT PRIMARY KEY,
        last_served INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE TABLE queue_dedupe (
        id TEXT PRIMARY KEY,
        refused_until INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX queue_dedupe_by_expiry ON queue_dedupe (refused_until);
    `,
  },
  {
    version: 4,
    name: "history",
    sql: `
      CREATE TABLE history_apps (id TEXT PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE history_functions (id TEXT PRIMARY KEY, app_id TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX history_functions_by_app ON history_functions (app_id);
      CREATE TABLE history_events (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX history_events_by_name ON history_events (name, id);
      CREATE TABLE history_runs (
        run_id TEXT PRIMARY KEY,
        function_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        output TEXT,
        parent_run_id TEXT
      );
      CREATE INDEX history_runs_by_status ON history_runs (status, run_id);
      CREATE INDEX history_runs_by_function ON history_runs (function_id, run_id);
      CREATE INDEX history_runs_by_function_status ON history_runs (function_id, status, run_id);
      CREATE INDEX history_runs_by_event ON history_runs (event_id);
      CREATE TABLE history_steps (
        run_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        name TEXT NOT NULL,
        op TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        output TEXT,
        PRIMARY KEY (run_id, step_id, attempt)
      );
      CREATE INDEX history_steps_by_run ON history_steps (run_id, started_at);
    `,
  },
  {
    version: 5,
    name: "flow control",
    sql: `
      -- Slots of a key: one row per holder; rows past expires_at no longer count and are purged by
      -- the next acquire of the key.
      CREATE TABLE flow_slots (
        key TEXT NOT NULL,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (key, holder)
      ) WITHOUT ROWID;
      -- GCRA: the theoretical arrival time of the next unit, fractional (REAL) when the emission
      -- interval is.
      CREATE TABLE flow_buckets (
        key TEXT PRIMARY KEY,
        tat REAL NOT NULL
      ) WITHOUT ROWID;
      -- value and expires_at are NULL once deleted; the row stays so version keeps counting.
      CREATE TABLE flow_registers (
        key TEXT PRIMARY KEY,
        value TEXT,
        version INTEGER NOT NULL,
        expires_at INTEGER
      ) WITHOUT ROWID;
    `,
  },
  // 10: numbered apart from migrations being added at the same time (gaps are allowed).
  {
    version: 10,
    name: "exclusive pauses",
    sql: `
      -- The key a pause holds (a signal wait's signal name), set only by claimPause: at most one
      -- pause per (env, key), so the row is the claim and deleting the pause frees the key.
      ALTER TABLE pauses ADD COLUMN claim_key TEXT;
      CREATE UNIQUE INDEX pauses_by_claim ON pauses (env, claim_key) WHERE claim_key IS NOT NULL;
    `,
  },
  // 20: numbered apart from migrations being added at the same time; gaps are allowed (each applied once, in order).
  { version: 20, ...rollupMigration },
  // 30: numbered apart from migrations being added at the same time (gaps are allowed).
  { version: 30, ...retentionMigration },
  // 40: numbered apart from migrations being added at the same time (gaps are allowed).
  {
    version: 40,
    name: "connect workers",
    sql: `
      -- Presence of Connect workers (one row per socket), refreshed at heartbeats; rows past
      -- expires_at are ignored and purged by the next listing.
      CREATE TABLE connect_workers (
        connection_id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL,
        body TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  // 50: numbered apart from migrations being added at the same time (gaps are allowed).
  {
    version: 50,
    name: "queue stats by kind",
    sql: `
      -- Metrics scrapes (statsByKind): depth per kind and the oldest due unleased item per kind,
      -- each read from an index rather than the table.
      CREATE INDEX queue_by_kind ON queue_items (kind);
      CREATE INDEX queue_unleased_by_kind ON queue_items (kind, available_at) WHERE lease_token IS NULL;
    `,
  },
];
