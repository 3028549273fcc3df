import type { OutgoingOp, WeftEvent } from "@weft/core";
import { describe, expect, it } from "vitest";
import { maxSleepMs, opProblem, refuseDuplicateResults, refuseOps, sleepWakeAt } from "./op-validation.js";

const now = Date.UTC(2026, 3, 1, 12, 0, 0);
const event: WeftEvent = { id: "e1", name: "app/go", data: { id: 7 }, user: {}, ts: now };
const op = (o: Partial<OutgoingOp> & Pick<OutgoingOp, "op">): OutgoingOp => ({ id: "a1", name: "s", ...o });
const problem = (o: Partial<OutgoingOp> & Pick<OutgoingOp, "op">) => opProblem(op(o), event, now);

describe("ops the engine can act on pass", () => {
  it.each<[string, Partial<OutgoingOp> & Pick<OutgoingOp, "op">]>([
    ["a step result", { op: "StepRun", data: 1 }],
    ["a planned step", { op: "StepPlanned" }],
    ["a sleep by duration in name", { op: "Sleep", name: "1h30m" }],
    ["a sleep by opts.duration", { op: "Sleep", name: "x", opts: { duration: "2d" } }],
    ["an empty sleep (0 s, as inngest sends for a negative number)", { op: "Sleep", name: "" }],
    ["a sleep until a past date (wakes at once)", { op: "Sleep", name: "2001-01-01T00:00:00Z" }],
    ["a sleep of exactly the maximum", { op: "Sleep", name: `${maxSleepMs / 1000}s` }],
    ["a wait with a compiling if", { op: "WaitForEvent", name: "app/done", opts: { timeout: "1h", if: "async.data.id == event.data.id" } }],
    ["a wait longer than a year (shortened to a year)", { op: "WaitForEvent", name: "app/done", opts: { timeout: "1000w" } }],
    ["an invoke without a timeout", { op: "InvokeFunction", opts: { function_id: "app-fn" } }],
  ])("%s", (_what, o) => {
    expect(problem(o)).toBeUndefined();
  });
});

describe("bad ops are named", () => {
  it.each<[string, Partial<OutgoingOp> & Pick<OutgoingOp, "op">, RegExp]>([
    ["an unknown op", { op: "Teleport" as OutgoingOp["op"] }, /^unknown op "Teleport"$/],
    ["an op Weft does not support", { op: "DiscoveryRequest" }, /does not support the op DiscoveryRequest/],
    ["a negative sleep", { op: "Sleep", name: "-5s" }, /^sleep "-5s" is not a duration/],
    ["a sleep that is not a time", { op: "Sleep", name: "soon" }, /^sleep "soon" is not a duration/],
    ["a sleep past a year", { op: "Sleep", name: "400d" }, /^sleep of "400d" \(until 2027-05-06T12:00:00\.000Z\) is longer than the maximum of 366 days/],
    ["an absurd sleep", { op: "Sleep", name: "99999999999999999999w" }, /longer than the maximum of 366 days/],
    ["an infinite sleep", { op: "Sleep", name: "9".repeat(400) }, /longer than the maximum of 366 days/],
    ["a sleepUntil past what a Date holds", { op: "Sleep", name: "+275760-09-13T00:00:00.001Z" }, /^sleep "\+275760-09-13T00:00:00\.001Z" is not a duration/],
    ["a sleepUntil of an invalid date", { op: "Sleep", name: "2026-13-45T00:00:00Z" }, /is not a valid date/],
    ["a sleep that is not a string", { op: "Sleep", name: "x", opts: { duration: { ms: 5 } } }, /sleep must be a time string or date/],
    [
      "a wait whose if does not compile",
      { op: "WaitForEvent", name: "app/done", opts: { timeout: "1h", if: "async.data.id ==" } },
      /^waitForEvent's "if" does not compile: /,
    ],
    [
      "a wait whose if calls no such function",
      { op: "WaitForEvent", name: "app/done", opts: { timeout: "1h", if: "nope(async.data.id)" } },
      /does not compile: .*nope/,
    ],
    ["a wait whose if is not a string", { op: "WaitForEvent", name: "app/done", opts: { timeout: "1h", if: 5 } }, /must be a string expression, not 5/],
    ["a wait with a bad timeout", { op: "WaitForEvent", name: "app/done", opts: { timeout: "-1h" } }, /^waitForEvent timeout "-1h" is not a duration/],
    ["a wait for no event", { op: "WaitForEvent", name: "", opts: { timeout: "1h" } }, /needs the name of the event/],
    ["an invoke with a bad timeout", { op: "InvokeFunction", opts: { function_id: "app-fn", timeout: "later" } }, /^invoke timeout "later" is not a duration/],
    [
      "an invoke past a year",
      { op: "InvokeFunction", opts: { function_id: "app-fn", timeout: "100w" } },
      /^invoke timeout of "100w" .* longer than the maximum/,
    ],
  ])("%s", (_what, o, why) => {
    expect(problem(o)).toMatch(why);
  });
});

describe("refuseOps", () => {
  it("names the step, the op and the problem in a NonRetriableError", () => {
    const refused = refuseOps([op({ op: "StepPlanned", id: "ok" }), op({ op: "Sleep", id: "b", displayName: "nap", name: "-5s" })], event, now);
    expect(refused?.op.id).toBe("b");
    expect(refused?.error).toEqual({ name: "NonRetriableError", message: expect.stringMatching(/^step "nap" \(Sleep\): sleep "-5s" is not a duration/) });
  });

  it("refuses two ops for one step id", () => {
    const refused = refuseOps([op({ op: "StepRun", id: "same", data: 1 }), op({ op: "StepRun", id: "same", data: 2 })], event, now);
    expect(refused?.error.message).toMatch(/more than one op for step id same/);
  });

  it("passes a response of good ops", () => {
    expect(refuseOps([op({ op: "StepRun", id: "a" }), op({ op: "RunComplete", id: "b" })], event, now)).toBeUndefined();
  });

  it("keeps a long unknown op name short in the message", () => {
    const refused = refuseOps([op({ op: "X".repeat(10_000) as OutgoingOp["op"] })], event, now);
    expect(refused?.error.message.length).toBeLessThan(300);
  });
});

describe("checkpoints", () => {
  it("refuse two results for one step, and nothing else", () => {
    expect(refuseDuplicateResults([op({ op: "StepRun", id: "a" }), op({ op: "StepFailed", id: "a" })])?.error.message).toMatch(
      /more than one result for step id a/,
    );
    expect(refuseDuplicateResults([op({ op: "StepRun", id: "a" }), op({ op: "RunComplete", id: "a" })])).toBeUndefined();
  });
});

describe("sleepWakeAt", () => {
  it("is when the sleep ends, and what the executor schedules", () => {
    expect(sleepWakeAt(op({ op: "Sleep", name: "1m" }), now)).toBe(now + 60_000);
    expect(sleepWakeAt(op({ op: "Sleep", name: "2026-04-02T00:00:00Z" }), now)).toBe(Date.UTC(2026, 3, 2));
    expect(() => sleepWakeAt(op({ op: "Sleep", name: "400d" }), now)).toThrow(/longer than the maximum/);
  });
});
