// Issue 18: a trigger filter that errors at run time matches nothing but leaves a trace (the last
// error on the function in GET /v1/functions), and POST /v1/expressions/explain says why an event
// does or does not match.
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, sendEvents, startTestWeft, waitFor, type TestWeft } from "../src/index.js";

let weft: TestWeft;
beforeAll(async () => {
  weft = await startTestWeft({ store: "memory" });
});
afterAll(async () => {
  await weft?.close();
});

async function post(path: string, body: unknown) {
  const res = await request(new URL(path, weft.url), { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: res.statusCode, json: (await res.body.json()) as { error?: string; data?: Record<string, unknown> } };
}

type FunctionRow = { id: string; last_expression_error: { where: string; expression: string; error: string; count: number } | null };

describe("runtime expression errors", () => {
  it("are recorded on the function instead of a silent false", async () => {
    const expression = "event.data.items[3] == 'x'";
    const registered = await post("/fn/register", {
      appName: "explain-app",
      url: "http://127.0.0.1:1/api/inngest",
      functions: [
        {
          id: "explain-fn",
          triggers: [{ event: "explain/item", expression }],
          steps: { step: { id: "step", name: "step", runtime: { type: "http", url: "http://127.0.0.1:1/api/inngest?fnId=f" } } },
        },
      ],
    });
    expect(registered.status).toBe(200);
    const before = await api<{ data: FunctionRow[] }>(weft.url, "GET", "/v1/functions");
    expect(before.data.find((f) => f.id === "explain-app-explain-fn" || f.id === "explain-fn")?.last_expression_error).toBeNull();

    await sendEvents(weft, [{ name: "explain/item", data: { items: ["a"] } }]);
    const row = await waitFor(async () => {
      const { data } = await api<{ data: FunctionRow[] }>(weft.url, "GET", "/v1/functions");
      return data.find((f) => f.last_expression_error !== null);
    }, "the function's last expression error");
    expect(row.last_expression_error).toMatchObject({ where: "trigger", expression, error: "list index 3 out of range 0..0", count: 1 });
    const detail = await api<{ data: FunctionRow }>(weft.url, "GET", `/v1/functions/${encodeURIComponent(row.id)}`);
    expect(detail.data.last_expression_error?.error).toBe("list index 3 out of range 0..0");
  });
});

describe("POST /v1/expressions/explain", () => {
  const event = { name: "shop/order", data: { total: 80, country: "FR" } };

  it("says which term was false, with its operands", async () => {
    const { status, json } = await post("/v1/expressions/explain", { expression: "event.data.total > 100.0 && event.data.country == 'FR'", event });
    expect(status).toBe(200);
    expect(json.data).toMatchObject({
      matched: false,
      reasons: [{ expression: "event.data.total > 100.0", value: false, operands: [{ value: 80 }, { value: 100 }] }],
    });
  });

  it("answers a match, and refuses a bad body or a filter that does not parse with a 400", async () => {
    expect((await post("/v1/expressions/explain", { expression: "event.data.country == 'FR'", event })).json.data).toMatchObject({
      matched: true,
      reasons: [],
    });
    const bad = await post("/v1/expressions/explain", { expression: "event.data ==", event });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/unexpected end at 13/);
    const noEvent = await post("/v1/expressions/explain", { expression: "true" });
    expect(noEvent.status).toBe(400);
    expect(noEvent.json.error).toMatch(/body must be/);
  });
});
