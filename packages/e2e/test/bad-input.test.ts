// Bad input at the public API: a 4xx with a JSON error naming the problem, and nothing written.
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startTestWeft, type TestWeft } from "../src/index.js";

let weft: TestWeft;
beforeAll(async () => {
  weft = await startTestWeft({ store: "memory" });
});
afterAll(async () => weft?.close());

async function post(path: string, body: string) {
  const res = await request(new URL(path, weft.url), { method: "POST", body, headers: { "content-type": "application/json" } });
  return { status: res.statusCode, json: (await res.body.json()) as { error?: string; status?: number } };
}

describe("bad input", () => {
  it.each([
    ["malformed JSON", "{nope", /not valid JSON/],
    ["an event without a name", JSON.stringify([{ data: {} }]), /"name"/],
    ["an internal event name", JSON.stringify({ name: "inngest/function.finished" }), /internal event name/],
    ["data that is not an object", JSON.stringify({ name: "a/b", data: [1] }), /"data" must be an object/],
    ["a timestamp out of range", JSON.stringify({ name: "a/b", ts: 1 }), /"ts"/],
    ["a bad event among good ones", JSON.stringify([{ name: "a/ok" }, { name: 7 }]), /event 1/],
  ])("refuses %s with a 400 naming the problem", async (_what, body, message) => {
    const { status, json } = await post("/e/key", body);
    expect(status).toBe(400);
    expect(json.status).toBe(400);
    expect(json.error).toMatch(message);
  });

  it("writes nothing for a refused request", async () => {
    await post("/e/key", JSON.stringify([{ name: "a/kept-out" }, { name: "" }]));
    const { data } = await api<{ data: { name: string }[] }>(weft.url, "GET", "/v1/events?name=a/kept-out");
    expect(data).toEqual([]);
  });

  it("refuses a body over the size limit with 413", async () => {
    const { status, json } = await post("/e/key", JSON.stringify({ name: "a/big", data: { blob: "x".repeat(600 * 1024) } }));
    expect(status).toBe(413);
    expect(json.error).toMatch(/limit/);
  });

  it("answers unknown runs and routes with 404 JSON, and bad queries with 400", async () => {
    await expect(api(weft.url, "GET", "/v1/runs/NOPE")).rejects.toThrow(/404.*not found/);
    await expect(api(weft.url, "GET", "/v1/nothing")).rejects.toThrow(/404/);
    await expect(api(weft.url, "GET", "/v1/runs?status=Sleeping")).rejects.toThrow(/400.*status must be/);
  });

  it("refuses a register body without an app name, in the JSON shape the SDK reads", async () => {
    const { status, json } = await post("/fn/register", JSON.stringify({ url: "http://x/api", functions: [] }));
    expect(status).toBe(400);
    expect(json).toMatchObject({ status: 400, error: expect.stringContaining("appName") });
  });
});
