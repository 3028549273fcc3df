/** Inngest's retry schedule: 15 s, 30 s, 1 m, … 2 h, plus up to 30 s of jitter. */
const table = [15, 30, 60, 120, 300, 600, 1200, 2400, 3600, 7200].map((s) => s * 1000);

export type Backoff = (attempt: number) => number;

export const defaultBackoff: Backoff = (attempt) => (table[Math.min(attempt, table.length - 1)] ?? 7_200_000) + Math.floor(Math.random() * 30_000);

/** A fixed interval, for `weft dev --retry-interval` and tests. */
export function fixedBackoff(ms: number): Backoff {
  return () => ms;
}
