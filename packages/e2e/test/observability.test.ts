// Traces (OTLP/HTTP to a real receiver) and metrics (GET /metrics, parsed as Prometheus text) of real
// runs over HTTP: the run's span tree, the sender's traceparent as the run's parent, the traceparent
// Weft sends to the app, and counters and gauges that match the runs made.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiRunTrace } from "@weft/core";
import { traceIdOf } from "@weft/engine";
import { serve, Weft } from "@weft/sdk";
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import protobuf from "protobufjs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runsOf, runWithStatus, startTestWeft, waitFor, type TestWeft } from "../src/index.js";

// The batch processor reads its delay when the server starts: spans leave within 50 ms, not 5 s.
process.env.OTEL_BSP_SCHEDULE_DELAY = "50";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number; message?: string };
  events?: { name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[];
}

/** OTLP JSON ids are hex; accept base64 too (the protobuf-JSON mapping), as a collector would. */
function hexId(id: string | undefined): string | undefined {
  if (id === undefined || id === "") return undefined;
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, "base64").toString("hex");
}

function attr(span: OtlpSpan, key: string): unknown {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  const v = Object.values(value)[0];
  return typeof v === "string" && /^\d+$/.test(v) && "intValue" in value ? Number(v) : v;
}

/**
 * The part of OTLP's trace schema (opentelemetry-proto, trace/v1 and common/v1, same field numbers)
 * the assertions read: what a collector decodes from the exporter's default `http/protobuf` posts.
 */
const otlpSchema = protobuf
  .parse(`
  syntax = "proto3";
  message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
  message KeyValue { string key = 1; AnyValue value = 2; }
  message Status { string message = 2; int32 code = 3; }
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
  message Span {
    bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
    repeated KeyValue attributes = 9; repeated Event events = 11; Status status = 15;
  }
  message ScopeSpans { repeated Span spans = 2; }
  message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
  message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`)
  .root.lookupType("ExportTraceServiceRequest");

/** An OTLP export request, protobuf or JSON, as its JSON form (ids in base64 for protobuf: `hexId` reads both). */
function decodeExport(contentType: string | undefined, body: Buffer): { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] } {
  if (contentType?.includes("json")) return JSON.parse(body.toString("utf8"));
  const message = otlpSchema.decode(body);
  return otlpSchema.toObject(message, { longs: String, bytes: String, defaults: false, oneofs: false }) as ReturnType<typeof decodeExport>;
}

const spans: OtlpSpan[] = [];
const contentTypes = new Set<string>();
const appTraceparents: string[] = [];
const servers: Server[] = [];
let weft: TestWeft;
const senderTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const senderSpan = "00f067aa0ba902b7";

async function listen(handler: (req: IncomingMessage, body: Buffer, res: import("node:http").ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, Buffer.concat(chunks), res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  // The OTLP/HTTP receiver: what the official exporter posts (protobuf by default), decoded.
  const collector = await listen((req, body, res) => {
    if (req.url === "/v1/traces") {
      contentTypes.add(req.headers["content-type"] ?? "");
      const decoded = decodeExport(req.headers["content-type"], body);
      for (const rs of decoded.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  weft = await startTestWeft({ store: "memory", server: { otelEndpoint: collector } });
  const client = new Weft({ id: "obs", baseUrl: weft.url });
  const ok = client.createFunction({ id: "ok" }, { event: "obs/ok" }, async ({ step }) => {
    const a = await step.run("first", () => 1);
    return await step.run("second", () => a + 1);
  });
  const broken = client.createFunction({ id: "broken", retries: 0 }, { event: "obs/broken" }, async ({ step }) => {
    await step.run("explodes", () => {
      throw new Error("boom in a step");
    });
  });
  const sleeper = client.createFunction({ id: "sleeper" }, { event: "obs/sleep" }, async ({ step }) => {
    await step.sleep("nap", "1h");
  });
  const waiter = client.createFunction({ id: "waiter" }, { event: "obs/wait" }, async ({ step }) => {
    return await step.waitForEvent("approval", { event: "obs/approved", timeout: "1h" });
  });
  // The app: the SDK's handler behind a server that notes the traceparent of each call from Weft.
  const handler = serve({ client, functions: [ok, broken, sleeper, waiter] });
  const app = createServer((req, res) => {
    if (req.method === "POST" && typeof req.headers.traceparent === "string") appTraceparents.push(req.headers.traceparent);
    void handler(req, res);
  });
  servers.push(app);
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`;
  await api(weft.url, "POST", "/v1/apps", { url });
});

afterAll(async () => {
  await weft?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function send(name: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(`${weft.url}/e/test-key`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name, data: {} }),
  });
  const { ids } = (await res.body.json()) as { ids: string[] };
  return ids[0] as string;
}

async function metrics(token?: string): Promise<{ status: number; families: PrometheusFamily[] }> {
  const res = await request(`${weft.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.body.text();
  return { status: res.statusCode, families: res.statusCode === 200 ? parsePrometheusTextFormat(text) : [] };
}

function sample(families: PrometheusFamily[], name: string, labels: Record<string, string>): number | undefined {
  const family = families.find((f) => f.name === name);
  const found = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return found?.value === undefined ? undefined : Number(found.value);
}

describe("traces", () => {
  it("a run is one trace under the sender's span: root, steps, calls and writes", async () => {
    const eventId = await send("obs/ok", { traceparent: `00-${senderTrace}-${senderSpan}-01` });
    const [run] = await runsOf(weft, eventId);
    await runWithStatus(weft, run!.run_id, "Completed");
    const root = await waitFor(async () => spans.find((s) => s.name === "run obs-ok" && attr(s, "weft.run.id") === run!.run_id), "the run's root span");
    // OTLP's default encoding, as the specification says when OTEL_EXPORTER_OTLP_PROTOCOL is unset.
    expect([...contentTypes]).toEqual(["application/x-protobuf"]);
    expect(hexId(root.traceId)).toBe(senderTrace);
    expect(hexId(root.parentSpanId)).toBe(senderSpan);
    expect(attr(root, "weft.run.status")).toBe("Completed");
    const mine = () => spans.filter((s) => s !== root && attr(s, "weft.run.id") === run!.run_id);
    await waitFor(async () => (mine().filter((s) => s.name.startsWith("step ")).length >= 2 ? true : undefined), "two step spans");
    for (const span of mine()) {
      expect(hexId(span.traceId)).toBe(senderTrace);
      expect(hexId(span.parentSpanId)).toBe(hexId(root.spanId));
    }
    const steps = mine().filter((s) => s.name.startsWith("step "));
    expect(steps.map((s) => attr(s, "weft.step.name")).sort()).toEqual(["first", "second"]);
    expect(steps.every((s) => attr(s, "weft.step.status") === "Completed" && attr(s, "weft.function.id") === "obs-ok")).toBe(true);
    const names = new Set(mine().map((s) => s.name.split(" ")[0]));
    // Queue-wait spans (`queue <kind>`) appear only for jobs that waited past due (1 ms or more),
    // which an idle test server's hand-offs never do; every span present is under the root (above).
    expect([...names].sort()).toEqual(expect.arrayContaining(["call", "step", "store"]));
    // Weft's calls to the app carried a traceparent of this run's trace, naming a call span.
    const callSpanIds = mine()
      .filter((s) => s.name.startsWith("call "))
      .map((s) => hexId(s.spanId));
    const sent = appTraceparents.filter((tp) => tp.split("-")[1] === senderTrace);
    expect(sent.length).toBeGreaterThan(0);
    for (const tp of sent) expect(callSpanIds).toContain(tp.split("-")[2]);
  });

  it("a failed step's span records its error, and the run without a sender gets its own trace id", async () => {
    const eventId = await send("obs/broken");
    const [run] = await runsOf(weft, eventId);
    await runWithStatus(weft, run!.run_id, "Failed");
    const root = await waitFor(async () => spans.find((s) => s.name === "run obs-broken" && attr(s, "weft.run.id") === run!.run_id), "the failed run's root");
    const event = (await api<{ data: { data: Record<string, unknown> } }>(weft.url, "GET", `/v1/events/${eventId}`)).data;
    expect(hexId(root.traceId)).toBe(traceIdOf(run!.run_id, { id: eventId, name: "obs/broken", data: event.data, user: {}, ts: 0 }));
    expect(root.parentSpanId ? hexId(root.parentSpanId) : undefined).toBeUndefined();
    expect(root.status?.code).toBe(2);
    const step = await waitFor(
      async () => spans.find((s) => s.name === "step explodes" && attr(s, "weft.run.id") === run!.run_id && attr(s, "weft.step.status") === "Failed"),
      "the failed step's span",
    );
    expect(step.status?.code).toBe(2);
    expect(hexId(step.parentSpanId)).toBe(hexId(root.spanId));
    const exception = step.events?.find((e) => e.name === "exception");
    expect(exception?.attributes?.find((a) => a.key === "exception.message")?.value).toEqual({ stringValue: "boom in a step" });
    // The same run as timing data from history alone (no collector involved).
    const trace = (await api<{ data: ApiRunTrace }>(weft.url, "GET", `/v1/runs/${run!.run_id}/trace`)).data;
    expect(trace.trace_id).toBe(hexId(root.traceId));
    expect(trace.spans.some((s) => s.name === "explodes" && s.status === "Failed" && s.error?.message === "boom in a step")).toBe(true);
    expect(trace.spans.every((s) => s.queue_ms >= 0 && s.start_ms >= 0)).toBe(true);
  });
});

describe("metrics", () => {
  it("counts runs by function and reads the queue gauges from the store", async () => {
    const before = await metrics();
    expect(before.status).toBe(200);
    const started = (fn: string, fams = before.families) => sample(fams, "weft_runs_started_total", { function: fn }) ?? 0;
    const okBefore = started("obs-ok");
    const completedBefore = sample(before.families, "weft_runs_completed_total", { function: "obs-ok" }) ?? 0;
    const eventsBefore = sample(before.families, "weft_events_received_total", {}) ?? 0;
    const ids = [await send("obs/ok"), await send("obs/ok"), await send("obs/sleep")];
    const runs = await Promise.all(ids.map(async (id) => (await runsOf(weft, id))[0]!));
    await runWithStatus(weft, runs[0]!.run_id, "Completed");
    await runWithStatus(weft, runs[1]!.run_id, "Completed");
    // The sleeper parks on a wake job an hour ahead: one job of kind "wake", not due yet.
    const after = await waitFor(async () => {
      const m = await metrics();
      return sample(m.families, "weft_queue_depth", { kind: "wake" }) === 1 ? m : undefined;
    }, "the sleeper's wake job in the queue gauge");
    expect(started("obs-ok", after.families) - okBefore).toBe(2);
    expect(started("obs-sleeper", after.families)).toBe(1);
    expect((sample(after.families, "weft_runs_completed_total", { function: "obs-ok" }) ?? 0) - completedBefore).toBe(2);
    expect(sample(after.families, "weft_runs_failed_total", { function: "obs-broken" })).toBe(1);
    expect((sample(after.families, "weft_events_received_total", {}) ?? 0) - eventsBefore).toBe(3);
    expect(sample(after.families, "weft_queue_oldest_due_age_seconds", { kind: "wake" })).toBe(0);
    // The parser folds a labelled histogram's series into one (it keeps no labels there): check
    // that each histogram is served as one and has observations.
    for (const name of ["weft_app_call_duration_seconds", "weft_step_duration_seconds", "weft_store_call_duration_seconds", "weft_queue_wait_seconds"]) {
      const histogram = after.families.find((f) => f.name === name);
      expect(histogram?.type, name).toBe("HISTOGRAM");
      expect(Number(histogram?.metrics[0]?.buckets?.["+Inf"]), name).toBeGreaterThan(0);
    }
  });

  it("reads the parked pauses gauge from the store: up while a run waits for an event, down once it is resumed", async () => {
    const parked = async () => sample((await metrics()).families, "weft_pauses_parked", {});
    const before = await parked();
    expect(before).toBeDefined();
    const [run] = await runsOf(weft, await send("obs/wait"));
    await waitFor(async () => ((await parked()) === before! + 1 ? true : undefined), "the waiting run's pause in the gauge");
    await send("obs/approved");
    await runWithStatus(weft, run!.run_id, "Completed");
    await waitFor(async () => ((await parked()) === before ? true : undefined), "the resumed run's pause gone from the gauge");
  });

  it("requires the API token when one is set", async () => {
    const guarded = await startTestWeft({ store: "memory", server: { apiToken: "secret-token" } });
    try {
      const res = await request(`${guarded.url}/metrics`);
      expect(res.statusCode).toBe(401);
      await res.body.dump();
      const ok = await request(`${guarded.url}/metrics`, { headers: { authorization: "Bearer secret-token" } });
      expect(ok.statusCode).toBe(200);
      expect(parsePrometheusTextFormat(await ok.body.text()).some((f) => f.name === "weft_runs_started_total")).toBe(true);
    } finally {
      await guarded.close();
    }
  });
});
