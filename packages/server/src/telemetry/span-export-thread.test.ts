import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { spanRecord } from "./finished-span.js";
import { otlpProtocol, SpanExportThread } from "./span-export-thread.js";

describe("otlpProtocol", () => {
  it("reads the traces variable first, then the general one, and defaults to protobuf", () => {
    expect(otlpProtocol({})).toBe("http/protobuf");
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })).toBe("http/json");
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf" })).toBe("http/protobuf");
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: " HTTP/JSON " })).toBe("http/json");
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toBe("http/protobuf");
  });
});

describe("SpanExportThread", () => {
  const bodies: { type: string | undefined; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      bodies.push({ type: req.headers["content-type"], body });
      res.end("{}");
    });
  });
  afterAll(() => receiver.close());

  it("exports the spans it was given from its thread, and flush waits for them", async () => {
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
    const thread = new SpanExportThread({ url, serviceName: "weft-test", env: { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" } });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    for (let i = 0; i < 300; i++) {
      const spanId = (0x1000 + i).toString(16).padStart(16, "0");
      thread.add(spanRecord({ name: `step ${i}`, traceId, spanId, parent: undefined, startMs: 1_000, endMs: 1_005, attributes: { "weft.step.id": `s${i}` } }));
    }
    await thread.flush();
    const spans = bodies.flatMap((b) => {
      const decoded = JSON.parse(b.body) as {
        resourceSpans: { resource: { attributes: { key: string }[] }; scopeSpans: { spans: { name: string; traceId: string }[] }[] }[];
      };
      return decoded.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    });
    expect(bodies.every((b) => b.type === "application/json")).toBe(true);
    expect(spans.map((s) => s.name).sort()).toEqual(Array.from({ length: 300 }, (_, i) => `step ${i}`).sort());
    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    await thread.shutdown();
    // Stopped: spans are dropped quietly, and flush answers at once.
    thread.add(spanRecord({ name: "late", traceId, spanId: "00000000000000ff", parent: undefined, startMs: 1, endMs: 2, attributes: {} }));
    await thread.flush();
    expect(bodies.flatMap((b) => b.body.match(/"late"/g) ?? [])).toEqual([]);
  });
});
