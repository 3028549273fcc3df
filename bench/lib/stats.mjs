export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}
export const median = (values) => percentile(values, 50);
export const round = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Print the case's result for the orchestrator (the last RESULT line wins). */
export function emit(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}
/**
 * Sequential steps, measured alike for every system: a first run of `n` steps (the process's first
 * real work: JIT, caches, connections), then the measured run of `n` steps, the steady state.
 * `runOnce(n)` resolves when a run of n sequential steps has ended.
 */
export async function measureSeq(runOnce, n) {
  const timed = async () => {
    const t0 = performance.now();
    await runOnce(n);
    return performance.now() - t0;
  };
  const first = await timed();
  const ms = await timed();
  return {
    ms_per_step: round(ms / n, 4),
    first_run_ms_per_step: round(first / n, 4),
    steps_per_s: round((n / ms) * 1000, 0),
    total_ms: round(ms, 1),
    steps: n,
  };
}
