import { ulid } from "@weft/core";
import type { RunRecord } from "@weft/store";
import { describe, expect, it } from "vitest";
import { runTimeRange } from "./run-time-range.js";

// `ulid()` is monotonic (an earlier time after a later one reuses the later time), so each test
// makes its runs oldest first.
const run = (ms: number): RunRecord => ({ runId: ulid(ms), functionId: "f", eventId: "e", status: "Completed", startedAt: ms });

describe("runTimeRange", () => {
  it("turns `to` into an id bound, keeping a lower cursor", () => {
    const to = Date.parse("2026-01-02T00:00:00Z");
    const [lower, atTo, after] = [run(to - 5000).runId, run(to).runId, run(to + 1).runId];
    const range = runTimeRange(new URLSearchParams({ to: new Date(to).toISOString() }));
    if (typeof range === "string") throw new Error(range);
    expect(atTo < (range.before as string)).toBe(true);
    expect(after < (range.before as string)).toBe(false);
    const withCursor = runTimeRange(new URLSearchParams({ to: String(to), cursor: lower }));
    expect(typeof withCursor !== "string" && withCursor.before).toBe(lower);
  });

  it("trims a page at `from` and says paging is over", () => {
    const from = Date.parse("2026-01-03T00:00:00Z");
    const range = runTimeRange(new URLSearchParams({ from: String(from) }));
    if (typeof range === "string") throw new Error(range);
    const page = [run(from - 1), run(from), run(from + 10)].reverse();
    const { runs, exhausted } = range.trim(page);
    expect(runs).toEqual(page.slice(0, 2));
    expect(exhausted).toBe(true);
  });

  it("refuses a time it cannot read", () => {
    expect(runTimeRange(new URLSearchParams({ from: "yesterday-ish" }))).toMatch(/from must be/);
  });
});
