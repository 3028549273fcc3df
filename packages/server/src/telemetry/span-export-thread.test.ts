import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { failure } from "./finished-span.js";
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

interface ExportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code?: number; message?: string };
  attributes: { key: string; value: object }[];
  events: { name: string; attributes: { key: string }[] }[];
}

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
      // Every tenth with no id (the thread picks one), a parent, and a failure.
      if (i % 10 === 0) thread.add(`step ${i}`, traceId, "", "00000000000000aa", 1_000, 1_005, { "weft.step.id": `s${i}` }, failure(new TypeError(`bad ${i}`)));
      else thread.add(`step ${i}`, traceId, spanId, "", 1_000, 1_005, { "weft.step.id": `s${i}`, "weft.attempt": i });
    }
    await thread.flush();
    const spans = bodies.flatMap((b) => {
      const decoded = JSON.parse(b.body) as {
        resourceSpans: { resource: { attributes: { key: string }[] }; scopeSpans: { spans: ExportedSpan[] }[] }[];
      };
      return decoded.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    });
    expect(bodies.every((b) => b.type === "application/json")).toBe(true);
    expect(spans.map((s) => s.name).sort()).toEqual(Array.from({ length: 300 }, (_, i) => `step ${i}`).sort());
    expect(spans.every((s) => s.traceId === traceId && /^[0-9a-f]{16}$/.test(s.spanId))).toBe(true);
    const plain = spans.find((s) => s.name === "step 7");
    expect(plain).toMatchObject({ spanId: "0000000000001007", startTimeUnixNano: "1000000000", endTimeUnixNano: "1005000000", events: [] });
    expect(plain?.parentSpanId).toBeUndefined();
    expect(plain?.attributes).toEqual([
      { key: "weft.step.id", value: { stringValue: "s7" } },
      { key: "weft.attempt", value: { intValue: 7 } },
    ]);
    const failed = spans.find((s) => s.name === "step 20");
    expect(failed).toMatchObject({ parentSpanId: "00000000000000aa", status: { code: 2, message: "TypeError: bad 20" } });
    expect(failed?.events[0]?.name).toBe("exception");
    expect(failed?.events[0]?.attributes.map((a) => a.key)).toEqual(["exception.type", "exception.message", "exception.stacktrace"]);
    await thread.shutdown();
    // Stopped: spans are dropped quietly, and flush answers at once.
    thread.add("late", traceId, "00000000000000ff", "", 1, 2, {});
    await thread.flush();
    expect(bodies.flatMap((b) => b.body.match(/"late"/g) ?? [])).toEqual([]);
  });
});
