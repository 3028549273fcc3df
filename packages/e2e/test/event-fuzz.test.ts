// The event API under a seeded fuzzer: every bad request gets a 4xx with a JSON error naming the
// problem and writes nothing; every good one is acknowledged; afterwards history holds exactly
// the good events and the server still answers. Also the per-request and nesting limits at scale.
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startTestWeft, type TestWeft } from "../src/index.js";
import { seededRandom } from "@weft/testing";

const seed = Number(process.env.WEFT_FUZZ_SEED ?? 20261128);
const cases = 400;

let weft: TestWeft;
beforeAll(async () => {
  weft = await startTestWeft({ store: "memory" });
});
afterAll(async () => weft?.close());

async function post(body: string | Buffer) {
  const res = await request(new URL("/e/key", weft.url), { method: "POST", body, headers: { "content-type": "application/json" } });
  const text = await res.body.text();
  return { status: res.statusCode, type: String(res.headers["content-type"]), json: JSON.parse(text) as { ids?: string[]; error?: string; status?: number } };
}

/** Every event named `fuzz/good` in history, by the fuzz case that sent it. */
async function storedCases(): Promise<number[]> {
  const found: number[] = [];
  let cursor = "";
  for (;;) {
    const { data } = await api<{ data: { internal_id: string; data: { case: number } }[] }>(weft.url, "GET", `/v1/events?name=fuzz/good&limit=1000${cursor}`);
    found.push(...data.map((e) => e.data.case));
    if (data.length < 1000) return found.sort((a, b) => a - b);
    cursor = `&cursor=${data.at(-1)?.internal_id}`;
  }
}

describe(`the event API under a fuzzer (seed ${seed})`, () => {
  it(`answers ${cases} random requests correctly and keeps exactly the good events`, { timeout: 60_000 }, async () => {
    const rand = seededRandom(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const randomJson = (depth: number): unknown => {
      const kind = depth > 3 ? pick(["s", "n", "b"]) : pick(["s", "n", "b", "null", "a", "o"]);
      if (kind === "s") return pick(["", "é", "🧵", "\u0000", "x".repeat(Math.floor(rand() * 50)), '"quoted"', "\\"]);
      if (kind === "n") return pick([0, -1, 1.5, 1e300, -0, Number.MAX_SAFE_INTEGER]);
      if (kind === "b") return rand() < 0.5;
      if (kind === "null") return null;
      if (kind === "a") return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 4) }, (_, i) => [pick(["k", "__proto__", "constructor", "", `f${i}`]), randomJson(depth + 1)]),
      );
    };
    const good = (i: number) => {
      const e: Record<string, unknown> = { name: "fuzz/good", data: { case: i, payload: randomJson(0) } };
      if (rand() < 0.3) e.user = { id: pick(["u1", "", "🧵"]) };
      if (rand() < 0.3) e.ts = Date.UTC(2020 + Math.floor(rand() * 10), 0, 1);
      if (rand() < 0.2) e.id = `fuzz-${seed}-${i}`;
      if (rand() < 0.2) e.v = "2026-01-01.1";
      return e;
    };
    // Each corrupts one good event; `why` is what the error must mention.
    const corruptions: { why: RegExp; status: number; apply: (e: Record<string, unknown>) => void }[] = [
      { why: /"name"/, status: 400, apply: (e) => delete e.name },
      { why: /"name"/, status: 400, apply: (e) => (e.name = pick([7, null, [], {}, "", "   ", true])) },
      { why: /"name"/, status: 400, apply: (e) => (e.name = pick(["a\u0000b", "line\nbreak", "x".repeat(300), "\u007f"])) },
      { why: /internal event name/, status: 400, apply: (e) => (e.name = pick(["inngest/function.finished", "inngest/scheduled.timer", "inngest/anything"])) },
      { why: /"data" must be an object/, status: 400, apply: (e) => (e.data = pick([[1], "s", 3, null, true])) },
      { why: /"user" must be an object/, status: 400, apply: (e) => (e.user = pick([[1], "s", 3, null])) },
      { why: /"id" must be a non-empty string/, status: 400, apply: (e) => (e.id = pick([3, "", {}, []])) },
      {
        why: /"ts" must be epoch milliseconds/,
        status: 400,
        apply: (e) => (e.ts = pick([-1, 1, 1e20, "2026-01-01", Date.UTC(2101, 0, 1), Date.UTC(1979, 11, 31)])),
      },
      {
        why: /nesting depth limit of 100; raise it with --max-event-depth/,
        status: 413,
        apply: (e) => (e.data = { deep: nest(101 + Math.floor(rand() * 2000)) }),
      },
      { why: /event size limit of 512 KiB/, status: 413, apply: (e) => (e.data = { blob: "b".repeat(513 * 1024 + Math.floor(rand() * 1000)) }) },
    ];

    const expected: number[] = [];
    const outcomes = { good: 0, bad: 0 };
    for (let i = 0; i < cases; i++) {
      const r = rand();
      let body: string;
      let want: { status: number; why?: RegExp };
      if (r < 0.35) {
        const events = rand() < 0.5 ? [good(i)] : Array.from({ length: 1 + Math.floor(rand() * 5) }, () => good(i));
        body = JSON.stringify(events.length === 1 && rand() < 0.5 ? events[0] : events);
        want = { status: 200 };
        for (const _ of events) expected.push(i);
      } else if (r < 0.8) {
        // A batch with one corrupted event: refused whole, none of its good events kept.
        const events = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => good(i));
        const c = pick(corruptions);
        const at = Math.floor(rand() * events.length);
        c.apply(events[at] as Record<string, unknown>);
        body = JSON.stringify(events.length === 1 ? events[0] : events);
        want = { status: c.status, why: events.length > 1 && c.status === 400 ? new RegExp(`event ${at}`) : c.why };
      } else if (r < 0.9) {
        // Malformed JSON: a good body cut short or mangled.
        const text = JSON.stringify(good(i));
        body = pick([text.slice(0, Math.max(1, Math.floor(rand() * (text.length - 1)))), `${text},`, text.replace("{", "{{"), "", "nope", "\u0000"]);
        want = { status: 400, why: /not valid JSON/ };
      } else {
        // Well-formed JSON that is no event at all.
        body = JSON.stringify(pick([[], 3, "fuzz/good", null, true, [[]], [null], [1, 2]]));
        want = { status: 400, why: /no events|must be a JSON object/ };
      }
      const res = await post(body);
      const label = `case ${i} (seed ${seed}): ${body.slice(0, 120)}`;
      expect(res.status, label).toBe(want.status);
      expect(res.type, label).toContain("application/json");
      expect(res.json.status, label).toBe(want.status);
      if (want.status === 200) {
        outcomes.good++;
      } else {
        outcomes.bad++;
        expect(res.json.error, label).toEqual(expect.any(String));
        expect(res.json.error, label).toMatch(want.why as RegExp);
      }
    }
    // Both kinds were exercised, and history holds exactly the acknowledged events.
    expect(outcomes.good).toBeGreaterThan(cases / 5);
    expect(outcomes.bad).toBeGreaterThan(cases / 2);
    expect(await storedCases()).toEqual(expected.sort((a, b) => a - b));
    expect(await api(weft.url, "GET", "/health")).toEqual({ status: "ok" });
    console.log(`event fuzz (seed ${seed}): ${outcomes.good} good requests (${expected.length} events) kept, ${outcomes.bad} bad requests refused`);
  });
});

/** `[[[…[1]…]]]`, `depth` arrays deep. */
function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe("limits at scale", () => {
  it("refuses 10,000 events in one request with 413 naming the limit, and accepts 5,000", { timeout: 30_000 }, async () => {
    const many = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: "fuzz/bulk", data: { i } })));
    const refused = await post(many(10_000));
    expect(refused.status).toBe(413);
    expect(refused.json.error).toMatch(/10000 events in one request, over the events-per-request limit of 5000; raise it with --max-events-per-request/);
    const accepted = await post(many(5000));
    expect(accepted.status).toBe(200);
    expect(accepted.json.ids).toHaveLength(5000);
    expect(new Set(accepted.json.ids).size).toBe(5000);
  });

  it("refuses a 200,000-deep payload cleanly (no stack overflow), and the server keeps answering", async () => {
    const deep = `{"name":"fuzz/deep","data":{"x":${"[".repeat(200_000)}${"]".repeat(200_000)}}}`;
    const res = await post(deep);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/nesting depth limit of 100/);
    // Other routes refuse deep bodies too, rather than overflow when they hash or store them.
    const register = await request(new URL("/fn/register", weft.url), { method: "POST", body: deep });
    expect(register.statusCode).toBe(400);
    expect(((await register.body.json()) as { error: string }).error).toMatch(/deeper than 512 levels/);
    expect(await api(weft.url, "GET", "/health")).toEqual({ status: "ok" });
  });

  it("refuses a body over the request limit (4 MiB) before parsing it", async () => {
    const res = await post(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/request body exceeds the limit of 4194304 bytes/);
  });
});
