import { durationBucketCount, durationColumns, rollupWidthsMs, waitingOps } from "@weft/store";

// The chart rollups (`HistoryStore.runMetrics`): one row per bucket width, function and bucket
// start, added to by the history store's flushes (`RollupBuffer`), and filled here from what was
// recorded before. The SQL is built from the shared constants of `@weft/store`: changing those
// needs a new migration.

const widths = `(SELECT column1 AS w FROM (VALUES ${rollupWidthsMs.map((w) => `(${w})`).join(", ")}))`;
const terminal = "('Completed', 'Failed', 'Cancelled')";
const waiting = `(${waitingOps.map((op) => `'${op}'`).join(", ")})`;
/** The duration bucket of `d` ms, as `durationBucket` computes it. */
const bucketOf = (d: string) => `CASE WHEN ${d} < 1 THEN 0 ELSE min(${durationBucketCount - 1}, 1 + CAST(floor(2 * log2(${d})) AS INTEGER)) END`;
const histogramSums = (k: string) => durationColumns.map((_, i) => `SUM(${k} = ${i})`).join(", ");
const addHistogram = durationColumns.map((c) => `${c} = ${c} + excluded.${c}`).join(", ");
const addEnds = "completed = completed + excluded.completed, failed = failed + excluded.failed, cancelled = cancelled + excluded.cancelled";

/** @internal Fills the rollups from the runs and steps recorded (rollups empty before): the migration, and the chart benchmark after its bulk load. */
export const rollupBackfill = `
    -- What was recorded before this migration.
    INSERT INTO history_rollups (width_ms, function_id, bucket_start, started)
      SELECT w, function_id, started_at - started_at % w, count(*) FROM history_runs, ${widths} WHERE true GROUP BY 1, 2, 3
      ON CONFLICT DO UPDATE SET started = started + excluded.started;
    INSERT INTO history_rollups (width_ms, function_id, bucket_start, completed, failed, cancelled)
      SELECT w, function_id, ended_at - ended_at % w, SUM(status = 'Completed'), SUM(status = 'Failed'), SUM(status = 'Cancelled')
      FROM history_runs, ${widths} WHERE ended_at IS NOT NULL AND status IN ${terminal} GROUP BY 1, 2, 3
      ON CONFLICT DO UPDATE SET ${addEnds};
    INSERT INTO history_rollups (width_ms, function_id, bucket_start, ${durationColumns.join(", ")})
      SELECT w, r.function_id, s.ended_at - s.ended_at % w, ${histogramSums(bucketOf("s.ended_at - s.started_at"))}
      FROM history_steps s JOIN history_runs r ON r.run_id = s.run_id, ${widths}
      WHERE s.ended_at IS NOT NULL AND s.op NOT IN ${waiting} GROUP BY 1, 2, 3
      ON CONFLICT DO UPDATE SET ${addHistogram};
`;

export const rollupMigration = {
  name: "chart rollups",
  sql: `
    CREATE TABLE history_rollups (
      width_ms INTEGER NOT NULL,
      function_id TEXT NOT NULL,
      bucket_start INTEGER NOT NULL,
      started INTEGER NOT NULL DEFAULT 0,
      completed INTEGER NOT NULL DEFAULT 0,
      failed INTEGER NOT NULL DEFAULT 0,
      cancelled INTEGER NOT NULL DEFAULT 0,
      ${durationColumns.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(",\n      ")},
      PRIMARY KEY (width_ms, function_id, bucket_start)
    ) WITHOUT ROWID;
    CREATE INDEX history_rollups_by_time ON history_rollups (width_ms, bucket_start);

    ${rollupBackfill}
  `,
};
