import { describe, expect, it } from "vitest";
import type { WeftEvent } from "@weft/core";
import { normaliseEvents } from "./ingest.js";
import { parseTraceparent, runTraceContext, traceIdOf } from "./trace-context.js";

const sender = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const event = (data: Record<string, unknown> = {}): WeftEvent => ({ id: "e1", name: "a/b", data, user: {}, ts: 0 });

describe("trace context", () => {
  it("parses a W3C traceparent and refuses malformed or all-zero ones", () => {
    expect(parseTraceparent(sender)).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
    for (const bad of ["", "00-abc-def-01", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", 42]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  it("derives the same ids for a run in any process, joining the sender's trace when there is one", () => {
    const own = runTraceContext("run-1", event());
    expect(runTraceContext("run-1", event())).toEqual(own);
    expect(own.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(own.rootSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(own.parentSpanId).toBeUndefined();
    expect(runTraceContext("run-2", event()).traceId).not.toBe(own.traceId);
    const joined = runTraceContext("run-1", event({ _inngest: { traceparent: sender } }));
    expect(joined).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", rootSpanId: own.rootSpanId, parentSpanId: "00f067aa0ba902b7" });
    expect(traceIdOf("run-1", event({ _inngest: { traceparent: sender } }))).toBe(joined.traceId);
  });

  it("ingest keeps a valid traceparent on the event and drops what a sender put in _inngest", () => {
    const [kept] = normaliseEvents({ name: "a/b", data: { _inngest: { traceparent: "forged" } } }, 1_700_000_000_000, { traceparent: sender });
    expect(kept?.event.data._inngest).toEqual({ traceparent: sender });
    const [forged] = normaliseEvents({ name: "a/b", data: { _inngest: { traceparent: sender } } }, 1_700_000_000_000, {});
    expect(forged?.event.data._inngest).toBeUndefined();
    const [bad] = normaliseEvents({ name: "a/b" }, 1_700_000_000_000, { traceparent: "not-a-traceparent" });
    expect(bad?.event.data._inngest).toBeUndefined();
  });
});
