// The call body (protocol §3): stored values spliced in untouched; a planned step's call carries
// only the first `stackLength` results of the stack, in stack order (protocol §6).
import type { RunState } from "@weft/store";
import { describe, expect, it } from "vitest";
import { buildCallBody } from "./request-body.js";

function runState(stack: string[], pending: string[] = []): RunState {
  return {
    metadata: {
      runId: "run",
      idempotencyKey: "fn:e",
      functionId: "fn",
      appId: "app",
      env: "dev",
      createdAt: 0,
      maxAttempts: 3,
      status: "Running",
      version: 2,
      forceStepPlan: false,
    },
    events: [{ id: "e", name: "ev", data: { n: 1 }, user: {}, ts: 0 }],
    // Saved in another order than the stack's, as the store may hand them back.
    steps: new Map([...stack].reverse().map((id) => [id, `{"data":"${id}-value"}`])),
    stack,
    pending: new Set(pending),
  };
}

type Body = {
  event: unknown;
  events: unknown[];
  steps: Record<string, unknown>;
  ctx: { stack: { stack: string[]; current: number }; disable_immediate_execution: boolean };
};
const parse = (body: string) => JSON.parse(body) as Body;

describe("buildCallBody", () => {
  it("carries the whole state when no stack length is given", () => {
    const body = parse(buildCallBody(runState(["a", "b", "c"]), 0, "q"));
    expect(body.steps).toEqual({ a: { data: "a-value" }, b: { data: "b-value" }, c: { data: "c-value" } });
    expect(body.ctx.stack).toEqual({ stack: ["a", "b", "c"], current: 3 });
    expect(body.event).toEqual(body.events[0]);
  });

  it("carries only the results saved before a planned step was planned", () => {
    const body = parse(buildCallBody(runState(["a", "b", "c", "d"], ["x"]), 1, "q", 2));
    expect(body.steps).toEqual({ a: { data: "a-value" }, b: { data: "b-value" } });
    expect(Object.keys(body.steps)).toEqual(["a", "b"]);
    expect(body.ctx.stack).toEqual({ stack: ["a", "b"], current: 2 });
    expect(body.ctx.disable_immediate_execution).toBe(true);
    expect(parse(buildCallBody(runState(["a", "b"], ["x"]), 1, "q", 0)).steps).toEqual({});
  });

  it("falls back to the whole state for a stack length it cannot honour", () => {
    const state = runState(["a", "b"]);
    expect(buildCallBody(state, 0, "q", 2)).toBe(buildCallBody(state, 0, "q"));
    expect(buildCallBody(state, 0, "q", 5)).toBe(buildCallBody(state, 0, "q"));
    expect(buildCallBody(state, 0, "q", -1)).toBe(buildCallBody(state, 0, "q"));
  });
});
