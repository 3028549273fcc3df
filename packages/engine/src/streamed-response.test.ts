import { describe, expect, it } from "vitest";
import { isStreamProblem, unwrapStreamed } from "./streamed-response.js";

/** What the SDK writes: keep-alive spaces, then the envelope with the body as a JSON string. */
function stream(envelope: unknown, keepAlive = "   "): string {
  return keepAlive + JSON.stringify(envelope);
}

describe("unwrapStreamed", () => {
  it("takes the inner status, lower-cased headers and the body's text", () => {
    const text = stream({
      status: 206,
      headers: { "X-Inngest-SDK": "inngest-js:v4.24.0", "X-Inngest-No-Retry": "false" },
      body: JSON.stringify([{ op: "Sleep", id: "a" }]),
      version: 2,
    });
    expect(unwrapStreamed(text)).toEqual({
      status: 206,
      headers: { "x-inngest-sdk": "inngest-js:v4.24.0", "x-inngest-no-retry": "false" },
      body: '[{"op":"Sleep","id":"a"}]',
    });
  });

  it("keeps a string result double-encoded once, as the unstreamed body would be", () => {
    const result = unwrapStreamed(stream({ status: 200, headers: {}, body: JSON.stringify("Hello, Inngest!") }));
    expect(result).toMatchObject({ status: 200, body: '"Hello, Inngest!"' });
  });

  it("reads a body that is raw JSON rather than a string, and a missing body as empty", () => {
    expect(unwrapStreamed(stream({ status: 200, body: { ok: 1 } }))).toEqual({ status: 200, headers: {}, body: '{"ok":1}' });
    expect(unwrapStreamed(stream({ status: 200 }))).toEqual({ status: 200, headers: {}, body: "" });
  });

  it("carries an error status and its body for the caller to read as a failure", () => {
    const error = { name: "Error", message: "boom" };
    expect(unwrapStreamed(stream({ status: 500, headers: { "x-inngest-no-retry": "true" }, body: JSON.stringify(error) }))).toEqual({
      status: 500,
      headers: { "x-inngest-no-retry": "true" },
      body: JSON.stringify(error),
    });
  });

  it("refuses what is not an envelope, saying why", () => {
    const cases: [string, RegExp][] = [
      ["", /ended before/],
      ["      \n ", /ended before/],
      ['  {"status": 200', /not JSON/],
      ["[1,2]", /not an envelope/],
      ['"text"', /not an envelope/],
      ['{"body":"1"}', /no valid status/],
      ['{"status":"200","body":"1"}', /no valid status/],
      ['{"status":201,"body":"1"}', /no valid status/],
      ['{"status":42,"body":"1"}', /no valid status/],
      ['{"status":200,"headers":[1],"body":"1"}', /headers are not an object/],
      ['{"error":"the handler crashed"}', /streaming error: the handler crashed/],
    ];
    for (const [text, message] of cases) {
      const result = unwrapStreamed(text);
      expect(isStreamProblem(result), text).toBe(true);
      expect((result as { problem: string }).problem, text).toMatch(message);
    }
  });
});
