import { useMemo } from "react";
import { TimeChart } from "./time-chart";

/**
 * Queue depth and lag as sampled by this page since it opened: the queue keeps no history, so
 * these two lines grow with each refresh rather than covering the whole range.
 */
export function QueueChart({ samples }: { samples: Array<{ at: number; depth: number; lag: number }> }) {
  const times = useMemo(() => samples.map((s) => s.at), [samples]);
  const series = useMemo(
    () => [
      { label: "queued jobs", color: "--accent", values: samples.map((s) => s.depth) },
      { label: "lag (ms)", color: "--waiting", values: samples.map((s) => s.lag) },
    ],
    [samples],
  );
  return <TimeChart title="Queue backlog and lag (sampled since this page opened)" times={times} series={series} />;
}
