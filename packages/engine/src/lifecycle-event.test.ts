// A run's lifecycle event obeys the event size limit: `events` never repeats `event`, and what is
// still too large is replaced, largest first, by a marker saying what was trimmed and why.
import type { WeftEvent } from "@weft/core";
import type { RunMetadata } from "@weft/store";
import { describe, expect, it } from "vitest";
import { lifecycleEventData } from "./lifecycle-event.js";
import { defaultLimits, resolveLimits } from "./limits.js";

const meta = (over: Partial<RunMetadata> = {}): RunMetadata => ({
  runId: "01JRUN0000000000000000000",
  idempotencyKey: "k",
  functionId: "app-fn",
  appId: "app",
  env: "test",
  createdAt: 0,
  maxAttempts: 1,
  status: "Completed",
  version: 1,
  forceStepPlan: false,
  ...over,
});
const event = (data: Record<string, unknown> = {}, name = "app/go"): WeftEvent => ({ id: "e1", name, data, user: {}, ts: 1 });
const storedBytes = (data: unknown) =>
  Buffer.byteLength(JSON.stringify({ id: "01JRUN0000000000000000000:cancelled", name: "inngest/function.cancelled", data, user: {}, ts: 2 }));
const limits = resolveLimits({ maxEventBytes: 4096 });

describe("lifecycle event data", () => {
  it("has Inngest's shape, without an `events` that would only repeat `event`", () => {
    const data = lifecycleEventData(meta(), [event({ n: 1 })], JSON.stringify({ data: { ok: true } }), 2, defaultLimits);
    expect(data).toEqual({
      function_id: "app-fn",
      run_id: meta().runId,
      event: event({ n: 1 }),
      result: { ok: true },
      _inngest: { status: "Completed", depth: 1 },
    });
    const batch = lifecycleEventData(meta(), [event(), event({ n: 2 })], undefined, 2, defaultLimits);
    expect(batch.events).toHaveLength(2);
  });

  it("carries the run's chain depth plus one", () => {
    const data = lifecycleEventData(meta(), [event({ _inngest: { depth: 7 } })], undefined, 2, defaultLimits);
    expect(data._inngest).toMatchObject({ depth: 8 });
  });

  it("trims an oversize trigger event and result to fit the limit, saying so", () => {
    const big = event({ blob: "x".repeat(4000) });
    const data = lifecycleEventData(meta(), [big], JSON.stringify({ data: "y".repeat(5000) }), 2, limits);
    expect(storedBytes(data)).toBeLessThanOrEqual(4096);
    expect(data.result).toEqual({ trimmed: true, bytes: 5002, reason: "over the event size limit of 4 KiB (4096 bytes); raise it with --max-event-bytes" });
    expect(data.event).toEqual({ id: "e1", name: "app/go", data: {}, user: {}, ts: 1 });
    expect((data._inngest as { trimmed: object }).trimmed).toEqual({ result: 5002, event: expect.any(Number) });
  });

  it("trims only what it must: the largest field first", () => {
    const data = lifecycleEventData(meta(), [event({ blob: "x".repeat(1000) })], JSON.stringify({ data: "y".repeat(3500) }), 2, limits);
    expect(data.event).toEqual(event({ blob: "x".repeat(1000) }));
    expect(data.result).toMatchObject({ trimmed: true });
  });

  it("turns an invoked run's oversize result into an error the invoking step throws", () => {
    const data = lifecycleEventData(meta({ correlationId: "parent.step" }), [event()], JSON.stringify({ data: "y".repeat(5000) }), 2, limits);
    expect(data.result).toBeUndefined();
    expect(data.error).toEqual({
      name: "LimitExceeded",
      message: `the result of function app-fn (run ${meta().runId}) is 5002 bytes, over the event size limit of 4 KiB (4096 bytes); raise it with --max-event-bytes`,
    });
  });

  it("trims an oversize error, keeping its name", () => {
    const error = { name: "TypeError", message: "z".repeat(5000) };
    const data = lifecycleEventData(meta({ status: "Failed" }), [event()], JSON.stringify({ error }), 2, limits);
    expect(data.error).toEqual({ name: "TypeError", message: expect.stringMatching(/^error of 50\d\d bytes trimmed: over the event size limit/) });
  });

  it("stays bounded down a chain: each generation embeds the last one's trimmed event", () => {
    let trigger = event({ blob: "x".repeat(3000) });
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const data = lifecycleEventData(meta(), [trigger], JSON.stringify({ data: null }), 2, limits);
      sizes.push(storedBytes(data));
      trigger = event(data, "inngest/function.finished");
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
  });
});
