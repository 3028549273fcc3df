import { describe, expect, it } from "vitest";
import { logFields } from "./log-fields.js";

describe("logFields", () => {
  const fields = {
    runId: "r1",
    functionId: "app-fn",
    stepId: "s1",
    traceId: "0af7651916cd43dd8448eb211c80319c",
    signingKey: "signkey-prod-abc",
    headers: { authorization: "Bearer tok" },
    nested: { apiToken: "tok", event_key: "k", kept: 1 },
    output: '{"data":"secret-ish"}',
    data: { user: "u1" },
  };

  it("drops secrets at every level and depth, and payloads outside debug lines", () => {
    expect(logFields("info", fields)).toEqual({ runId: "r1", functionId: "app-fn", stepId: "s1", traceId: fields.traceId, nested: { kept: 1 } });
    expect(logFields("error", { error: new Error("boom") })).toEqual({ error: { name: "Error", message: "boom" } });
  });

  it("keeps payloads in debug lines, never secrets", () => {
    expect(logFields("debug", fields)).toEqual({
      runId: "r1",
      functionId: "app-fn",
      stepId: "s1",
      traceId: fields.traceId,
      headers: {},
      nested: { kept: 1 },
      output: fields.output,
      data: { user: "u1" },
    });
  });
});
