import { durationBucketCount, durationColumns, rollupWidthsMs, waitingOps } from "@weft/store";

// The chart rollups (`HistoryStore.runMetrics`): one row per bucket width, function and bucket
// start, added to by the history store's flushes (`RollupBuffer`: one statement a second at most,
// so no row is hot on the write path), and filled here from what was recorded before. The SQL is
// built from the shared constants of `@weft/store`: changing those needs a new migration.

const widths = `unnest(ARRAY[${rollupWidthsMs.join(", ")}]::bigint[]) AS w`;
const terminal = "('Completed', 'Failed', 'Cancelled')";
const waiting = `(${waitingOps.map((op) => `'${op}'`).join(", ")})`;
/** The duration bucket of `d` ms, as `durationBucket` computes it. */
const bucketOf = (d: string) => `CASE WHEN ${d} < 1 THEN 0 ELSE LEAST(${durationBucketCount - 1}, 1 + floor(2 * ln(${d}::float8) / ln(2::float8))::int) END`;
const histogram = (k: string) => durationColumns.map((_, i) => `count(*) FILTER (WHERE ${k} = ${i})`).join(", ");
const addHistogram = durationColumns.map((c) => `${c} = r.${c} + excluded.${c}`).join(", ");
const addEnds = "completed = r.completed + excluded.completed, failed = r.failed + excluded.failed, cancelled = r.cancelled + excluded.cancelled";
const key = "(width_ms, function_id, bucket_start)";

/** @internal Fills the rollups from the runs and steps recorded (rollups empty before): the migration, and the chart benchmark after its bulk load. */
export const rollupBackfill = `
    -- What was recorded before this migration.
    INSERT INTO history_rollups AS r (width_ms, function_id, bucket_start, started)
      SELECT w, function_id, started_at - started_at % w, count(*) FROM history_runs, ${widths} GROUP BY 1, 2, 3
      ON CONFLICT ${key} DO UPDATE SET started = r.started + excluded.started;
    INSERT INTO history_rollups AS r (width_ms, function_id, bucket_start, completed, failed, cancelled)
      SELECT w, function_id, ended_at - ended_at % w,
        count(*) FILTER (WHERE status = 'Completed'), count(*) FILTER (WHERE status = 'Failed'), count(*) FILTER (WHERE status = 'Cancelled')
      FROM history_runs, ${widths} WHERE ended_at IS NOT NULL AND status IN ${terminal} GROUP BY 1, 2, 3
      ON CONFLICT ${key} DO UPDATE SET ${addEnds};
    INSERT INTO history_rollups AS r (width_ms, function_id, bucket_start, ${durationColumns.join(", ")})
      SELECT w, h.function_id, s.ended_at - s.ended_at % w, ${histogram(bucketOf("(s.ended_at - s.started_at)"))}
      FROM history_steps s JOIN history_runs h ON h.run_id = s.run_id, ${widths}
      WHERE s.ended_at IS NOT NULL AND s.op NOT IN ${waiting} GROUP BY 1, 2, 3
      ON CONFLICT ${key} DO UPDATE SET ${addHistogram};
`;

export const rollupMigration = {
  name: "chart rollups",
  sql: `
    CREATE TABLE history_rollups (
      width_ms bigint NOT NULL,
      function_id text COLLATE "C" NOT NULL,
      bucket_start bigint NOT NULL,
      started bigint NOT NULL DEFAULT 0,
      completed bigint NOT NULL DEFAULT 0,
      failed bigint NOT NULL DEFAULT 0,
      cancelled bigint NOT NULL DEFAULT 0,
      ${durationColumns.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(",\n      ")},
      PRIMARY KEY ${key}
    );
    CREATE INDEX history_rollups_by_time ON history_rollups (width_ms, bucket_start);

    ${rollupBackfill}
  `,
};
