/**
 * Which runs are traced: a ratio from the standard `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`,
 * decided once per run from its trace id. Every process derives the same trace id for a run
 * (`runTraceContext`), so every process makes the same choice and a run's trace is whole or absent,
 * never a root without its steps. The `parentbased_` variants are read as their plain ones: a run's
 * trace id is already the sender's when it came with one, so the sender's own ratio choice (made on
 * the same id by the same rule) agrees.
 */
export function traceSampleRatio(env: NodeJS.ProcessEnv): number {
  const sampler = (env.OTEL_TRACES_SAMPLER ?? "")
    .trim()
    .toLowerCase()
    .replace(/^parentbased_/, "");
  if (sampler === "always_off") return 0;
  if (sampler !== "traceidratio") return 1;
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG);
  return env.OTEL_TRACES_SAMPLER_ARG === undefined || !Number.isFinite(arg) ? 1 : Math.min(1, Math.max(0, arg));
}

/** Whether the run of `traceId` (32 hex digits) is traced at `ratio`: its low 8 digits, read as a fraction, are below it. */
export function traceSampled(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return Number.parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < ratio;
}
