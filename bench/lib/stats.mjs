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
