import { InvalidInputError, LimitExceededError, seededUlids, ulidTime } from "@weft/core";
import { describe, expect, it } from "vitest";
import { normaliseEvents } from "./ingest.js";
import { resolveLimits } from "./limits.js";

const now = Date.UTC(2026, 3, 1, 12, 0, 0);
const seed = `${now - 5},${Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).toString("base64")}`;

function refusal(raw: unknown, opts?: Parameters<typeof normaliseEvents>[2]): string {
  try {
    normaliseEvents(raw, now, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as Error).message;
  }
  throw new Error("normaliseEvents did not throw");
}

describe("normaliseEvents", () => {
  it("fills in data, user, ts and id, using the internal id as the event id", () => {
    const [one, ...rest] = normaliseEvents({ name: "app/signup" }, now);
    expect(rest).toEqual([]);
    expect(one?.receivedAt).toBe(now);
    expect(one?.internalId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(one?.event).toEqual({ id: one?.internalId, name: "app/signup", data: {}, user: {}, ts: now });
  });

  it("keeps what the sender gave: its own id, data, user, ts and v", () => {
    const ts = Date.UTC(2026, 2, 1);
    const [one] = normaliseEvents({ id: "order-42", name: "app/order", data: { n: 1 }, user: { email: "a@b.c" }, ts, v: "2026-01-01.1" }, now);
    expect(one?.event).toEqual({ id: "order-42", name: "app/order", data: { n: 1 }, user: { email: "a@b.c" }, ts, v: "2026-01-01.1" });
    // The internal id is still the server's own, distinct from the sender's id.
    expect(one?.internalId).not.toBe("order-42");
    expect(one?.internalId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("gives each event of a batch its own internal id", () => {
    const events = normaliseEvents([{ name: "a" }, { name: "b" }, { name: "c" }], now);
    expect(events.map((e) => e.event.name)).toEqual(["a", "b", "c"]);
    expect(new Set(events.map((e) => e.internalId)).size).toBe(3);
    expect(events.map((e) => e.event.id)).toEqual(events.map((e) => e.internalId));
  });

  it("strips _inngest from user data, and _inngest_internal always, without touching the input", () => {
    const data = { keep: 1, _inngest: { fn_id: "x" }, _inngest_internal: { y: 1 } };
    const [user] = normaliseEvents({ name: "app/x", data }, now);
    expect(user?.event.data).toEqual({ keep: 1 });
    expect(data).toEqual({ keep: 1, _inngest: { fn_id: "x" }, _inngest_internal: { y: 1 } });
    const [internal] = normaliseEvents({ name: "inngest/function.finished", data }, now, { internal: true });
    expect(internal?.event.data).toEqual({ keep: 1, _inngest: { fn_id: "x" } });
  });

  it("refuses internal event names unless the engine itself sends them", () => {
    expect(refusal({ name: "inngest/function.finished" })).toBe('event: "inngest/function.finished" is an internal event name and cannot be sent');
    const [ok] = normaliseEvents({ name: "inngest/function.finished" }, now, { internal: true });
    expect(ok?.event.name).toBe("inngest/function.finished");
  });

  it("names the index of the bad event in a batch, and accepts none of it", () => {
    expect(refusal([{ name: "a" }, { name: "" }])).toBe('event 1 needs a non-empty string "name"');
    expect(refusal([{ name: "a" }, { name: "b" }, { name: "inngest/x" }])).toMatch(/^event 2: "inngest\/x" is an internal/);
    expect(refusal([{ name: "a" }, "b"])).toBe("event 1 must be a JSON object");
    expect(refusal([{ name: "a" }, { name: "b", data: [1] }])).toBe('event 1: "data" must be an object');
  });

  it("refuses malformed events", () => {
    expect(refusal([])).toBe("no events: send an event object or a non-empty array");
    expect(refusal(null)).toBe("event must be a JSON object");
    expect(refusal([[{ name: "a" }]])).toBe("event must be a JSON object");
    expect(refusal({})).toBe('event needs a non-empty string "name"');
    expect(refusal({ name: "   " })).toBe('event needs a non-empty string "name"');
    expect(refusal({ name: 7 })).toBe('event needs a non-empty string "name"');
    expect(refusal({ name: "a", data: null })).toBe('event: "data" must be an object');
    expect(refusal({ name: "a", data: "x" })).toBe('event: "data" must be an object');
    expect(refusal({ name: "a", user: [] })).toBe('event: "user" must be an object');
    expect(refusal({ name: "a", id: "" })).toBe('event: "id" must be a non-empty string');
    expect(refusal({ name: "a", id: 5 })).toBe('event: "id" must be a non-empty string');
  });

  it("accepts ts between 1980 and 2100 in epoch milliseconds, and nothing else", () => {
    const tsError = 'event: "ts" must be epoch milliseconds between 1980 and 2100';
    for (const ts of [Date.UTC(1980, 0, 1), Date.UTC(2100, 0, 1), now]) {
      expect(normaliseEvents({ name: "a", ts }, now)[0]?.event.ts).toBe(ts);
    }
    // Seconds rather than milliseconds land in 1970 and are refused.
    for (const ts of [Math.floor(now / 1000), Date.UTC(1980, 0, 1) - 1, Date.UTC(2100, 0, 1) + 1, Number.NaN, "2026-04-01", null]) {
      expect(refusal({ name: "a", ts }), String(ts)).toBe(tsError);
    }
  });

  it("gives the same internal ids for the same seed, as a retried send needs", () => {
    const raw = [{ name: "a" }, { name: "b", id: "mine" }];
    const first = normaliseEvents(raw, now, { seed });
    const second = normaliseEvents(raw, now + 1000, { seed });
    expect(second.map((e) => e.internalId)).toEqual(first.map((e) => e.internalId));
    const next = seededUlids(seed);
    expect(first.map((e) => e.internalId)).toEqual([next?.(1), next?.(2)]);
    expect(first[0]?.event.id).toBe(first[0]?.internalId);
    expect(first[1]?.event.id).toBe("mine");
    // The seed carries the sender's clock, not ours.
    expect(ulidTime(first[0]?.internalId ?? "")).toBe(now - 5);
  });

  it("falls back to fresh ids for a malformed seed, and uses fixed ids when given", () => {
    const fresh = normaliseEvents([{ name: "a" }], now, { seed: "1,short" });
    expect(ulidTime(fresh[0]?.internalId ?? "")).toBeGreaterThanOrEqual(now);
    const fixed = normaliseEvents([{ name: "a" }, { name: "b" }], now, { ids: ["01J0000000000000000000000A"], seed });
    expect(fixed[0]?.internalId).toBe("01J0000000000000000000000A");
    expect(fixed[1]?.internalId).toBe(seededUlids(seed)?.(2));
  });

  it("keeps only the run chain depth of a sender's _inngest, and refuses a depth over the limit", () => {
    const limits = resolveLimits({ maxRunChainDepth: 3 });
    const [sent] = normaliseEvents({ name: "app/x", data: { n: 1, _inngest: { depth: 3, fn_id: "forged" } } }, now, { limits });
    expect(sent?.event.data).toEqual({ n: 1, _inngest: { depth: 3 } });
    for (const depth of [0, -1, 1.5, "2", null]) {
      expect(normaliseEvents({ name: "app/x", data: { _inngest: { depth } } }, now, { limits })[0]?.event.data, String(depth)).toEqual({});
    }
    expect(() => normaliseEvents([{ name: "a" }, { name: "app/x", data: { _inngest: { depth: 4 } } }], now, { limits })).toThrow(LimitExceededError);
    expect(() => normaliseEvents([{ name: "a" }, { name: "app/x", data: { _inngest: { depth: 4 } } }], now, { limits })).toThrow(
      /^event 1 would start a run 4 deep \(each step.invoke and step.sendEvent adds one: does a function trigger itself in a loop\?\), over the run chain depth limit of 3; raise it with --max-run-chain-depth$/,
    );
  });
});
