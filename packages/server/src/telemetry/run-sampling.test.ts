import { runTraceContext } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { traceSampled, traceSampleRatio } from "./run-sampling.js";

describe("trace sampling per run", () => {
  it("reads the ratio from the standard OTEL_TRACES_SAMPLER variables", () => {
    expect(traceSampleRatio({})).toBe(1);
    expect(traceSampleRatio({ OTEL_TRACES_SAMPLER: "always_off" })).toBe(0);
    expect(traceSampleRatio({ OTEL_TRACES_SAMPLER: "parentbased_always_off" })).toBe(0);
    expect(traceSampleRatio({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" })).toBe(0.25);
    expect(traceSampleRatio({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" })).toBe(0.1);
    expect(traceSampleRatio({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "7" })).toBe(1);
    expect(traceSampleRatio({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "nope" })).toBe(1);
    // The arg alone samples nothing away: it belongs to a ratio sampler.
    expect(traceSampleRatio({ OTEL_TRACES_SAMPLER_ARG: "0.5" })).toBe(1);
  });

  it("decides from the trace id alone, so every process agrees, and keeps about the ratio of runs", () => {
    const ids = Array.from({ length: 4000 }, (_, i) => runTraceContext(`run-${i}`, undefined).traceId);
    const kept = ids.filter((id) => traceSampled(id, 0.25));
    expect(kept.length / ids.length).toBeGreaterThan(0.2);
    expect(kept.length / ids.length).toBeLessThan(0.3);
    // The same id, asked again (another process), gets the same answer; a higher ratio keeps a superset.
    expect(ids.filter((id) => traceSampled(id, 0.25))).toEqual(kept);
    expect(kept.every((id) => traceSampled(id, 0.5))).toBe(true);
    expect(ids.every((id) => traceSampled(id, 1))).toBe(true);
    expect(ids.some((id) => traceSampled(id, 0))).toBe(false);
  });
});
