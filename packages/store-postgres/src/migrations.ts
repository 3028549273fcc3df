import { rollupMigration } from "./rollup-migration.js";
import { retentionMigration } from "./postgres-history-retention.js";

/**
 * One schema change. Versions are applied in order, once, and recorded in `schema_migrations`.
 * The SQL is unqualified: it runs with `search_path` set to the store's schema for its transaction,
 * so one list serves every schema.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Append only: never edit a released migration, add the next version instead.
 *
 * Times are `bigint` milliseconds from the store's injected `Clock` (parsed back to numbers), never
 * `now()`. Keys that are ordered or compared with `<` use `COLLATE "C"`, so they sort by code point
 * as the memory store does, whatever the database's locale.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "run state",
    sql: `
      CREATE TABLE runs (
        run_id text PRIMARY KEY,
        idempotency_key text NOT NULL,
        function_id text NOT NULL,
        app_id text NOT NULL,
        env text NOT NULL,
        created_at bigint NOT NULL,
        max_attempts integer NOT NULL,
        correlation_id text,
        status text NOT NULL,
        version integer NOT NULL,
        force_step_plan boolean NOT NULL,
        ended_at bigint,
        output text,
        stack_length integer NOT NULL,
        events text NOT NULL
      );
      -- run_id is NULL once the run is deleted; the key is then a tombstone until tombstone_until.
      CREATE TABLE idempotency_keys (
        key text PRIMARY KEY,
        run_id text,
        tombstone_until bigint
      );
      -- seq is the step's place in the run's stack (0-based), assigned under the run's row lock.
      CREATE TABLE steps (
        run_id text NOT NULL,
        step_id text NOT NULL,
        seq integer NOT NULL,
        output text NOT NULL,
        PRIMARY KEY (run_id, step_id)
      );
      CREATE UNIQUE INDEX steps_by_run_seq ON steps (run_id, seq);
      CREATE TABLE pending_steps (
        run_id text NOT NULL,
        step_id text NOT NULL,
        PRIMARY KEY (run_id, step_id)
      );
    `,
  },
  {
    version: 2,
    name: "pauses",
    sql: `
      CREATE TABLE pauses (
        id text PRIMARY KEY,
        run_id text NOT NULL,
        env text NOT NULL,
        event_name text NOT NULL,
        match_path text COLLATE "C",
        match_value text,
        created_at bigint NOT NULL,
        body text NOT NULL
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
      -- seq is enqueue order, the tie-break after ready_at.
      CREATE TABLE queue_items (
        id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        kind text NOT NULL,
        run_id text,
        tenant text COLLATE "C" NOT NULL,
        payload text NOT NULL,
        available_at bigint NOT NULL,
        attempt integer NOT NULL,
        ready_at bigint NOT NULL,
        lease_token text,
        lease_expires_at bigint,
        lease_count integer NOT NULL DEFAULT 0
      );
      CREATE INDEX queue_by_tenant_ready ON queue_items (tenant, ready_at, seq);
      CREATE INDEX queue_by_run ON queue_items (run_id) WHERE run_id IS NOT NULL;
      CREATE INDEX queue_unleased_by_available ON queue_items (available_at) WHERE lease_token IS NULL;
      CREATE INDEX queue_leased_by_expiry ON queue_items (lease_expires_at) WHERE lease_token IS NOT NULL;
      -- Every id enqueued and not yet forgotten: refused_until is NULL while the item is queued, the
      -- end of its dedupe window once dequeued or dropped. Enqueue claims the id here first, so
      -- racing enqueues and dequeues of one id meet on this row's lock.
      CREATE TABLE queue_seen (
        id text PRIMARY KEY,
        refused_until bigint
      );
      CREATE INDEX queue_seen_by_expiry ON queue_seen (refused_until) WHERE refused_until IS NOT NULL;
      -- When each tenant was last served: (lease call, position in it). A tenant without a row has
      -- never been served, or emptied since; rows are dropped when a tenant's last item goes.
      CREATE TABLE queue_tenants (
        tenant text COLLATE "C" PRIMARY KEY,
        served_seq bigint NOT NULL,
        served_pos integer NOT NULL
      );
      CREATE SEQUENCE queue_serve_seq;
    `,
  },
  {
    version: 4,
    name: "history",
    sql: `
      CREATE TABLE history_apps (id text COLLATE "C" PRIMARY KEY, body text NOT NULL);
      CREATE TABLE history_functions (id text COLLATE "C" PRIMARY KEY, app_id text NOT NULL, body text NOT NULL);
      CREATE INDEX history_functions_by_app ON history_functions (app_id);
      CREATE TABLE history_events (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        received_at bigint NOT NULL,
        body text NOT NULL
      );
      CREATE INDEX history_events_by_name ON history_events (name, id);
      CREATE TABLE history_runs (
        run_id text COLLATE "C" PRIMARY KEY,
        function_id text NOT NULL,
        event_id text NOT NULL,
        status text NOT NULL,
        started_at bigint NOT NULL,
        ended_at bigint,
        output text,
        parent_run_id text
      );
      CREATE INDEX history_runs_by_status ON history_runs (status, run_id);
      CREATE INDEX history_runs_by_function ON history_runs (function_id, run_id);
      CREATE INDEX history_runs_by_function_status ON history_runs (function_id, status, run_id);
      CREATE INDEX history_runs_by_event ON history_runs (event_id, run_id);
      -- seq keeps first-recorded order for ties on started_at; an upsert keeps it.
      CREATE TABLE history_steps (
        run_id text NOT NULL,
        step_id text NOT NULL,
        attempt integer NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        name text NOT NULL,
        op text NOT NULL,
        status text NOT NULL,
        started_at bigint NOT NULL,
        ended_at bigint,
        output text,
        PRIMARY KEY (run_id, step_id, attempt)
      );
      CREATE INDEX history_steps_by_run ON history_steps (run_id, started_at, seq);
    `,
  },
  {
    version: 5,
    name: "flow control",
    sql: `
      -- Slots of a key: one row per holder. Rows past expires_at no longer count; the next acquire
      -- of the key purges them.
      CREATE TABLE flow_slots (
        key text NOT NULL,
        holder text NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (key, holder)
      );
      -- GCRA: the theoretical arrival time of the next unit, fractional when the emission interval is.
      CREATE TABLE flow_buckets (
        key text PRIMARY KEY,
        tat double precision NOT NULL
      );
      -- value and expires_at are NULL once deleted; the row stays so version keeps counting.
      CREATE TABLE flow_registers (
        key text PRIMARY KEY,
        value text,
        version bigint NOT NULL,
        expires_at bigint
      );
    `,
  },
  {
    version: 6,
    name: "save a step in one round trip",
    // A step save is on the path of every step. As a transaction from the client it was four round
    // trips (BEGIN, lock, write, COMMIT); as one function call it is one. In a VOLATILE plpgsql
    // function every statement takes a fresh snapshot (READ COMMITTED), so the statements after
    // the lock see every save of this run that committed before it, as the client-side transaction
    // did. `SET search_path FROM CURRENT` pins the tables to this schema.
    sql: `
      CREATE FUNCTION save_step(p_run_id text, p_step_id text, p_output text)
      RETURNS TABLE (run_found boolean, existing text, pending bigint, stack_length integer)
      LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $fn$
      DECLARE
        v_length integer;
        v_existing text;
      BEGIN
        SELECT r.stack_length INTO v_length FROM runs r WHERE r.run_id = p_run_id FOR UPDATE;
        IF NOT FOUND THEN
          RETURN QUERY SELECT false, NULL::text, 0::bigint, 0;
          RETURN;
        END IF;
        SELECT s.output INTO v_existing FROM steps s WHERE s.run_id = p_run_id AND s.step_id = p_step_id;
        IF NOT FOUND THEN
          INSERT INTO steps (run_id, step_id, seq, output) VALUES (p_run_id, p_step_id, v_length, p_output);
          UPDATE runs r SET stack_length = v_length + 1 WHERE r.run_id = p_run_id;
          DELETE FROM pending_steps p WHERE p.run_id = p_run_id AND p.step_id = p_step_id;
          v_length := v_length + 1;
        END IF;
        RETURN QUERY SELECT true, v_existing, (SELECT count(*) FROM pending_steps p WHERE p.run_id = p_run_id), v_length;
      END
      $fn$;
    `,
  },
  // 10: numbered apart from migrations being added at the same time (gaps are allowed).
  {
    version: 10,
    name: "exclusive pauses",
    sql: `
      -- The key a pause holds (a signal wait's signal name), set only by claimPause: at most one
      -- pause per (env, key), so the row is the claim and deleting the pause frees the key.
      ALTER TABLE pauses ADD COLUMN claim_key text;
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
        connection_id text COLLATE "C" PRIMARY KEY,
        expires_at bigint NOT NULL,
        body text NOT NULL
      );
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
