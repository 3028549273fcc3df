// The cost of traces and metrics: the same HTTP throughput cell with telemetry off (no observer,
// --no-metrics) and on (--otel-endpoint to a local OTLP/HTTP sink + GET /metrics served and
// scraped every second), alternating off/on in fresh processes, side by side in one run.
//
//   npm run build && node bench/observability.mjs [--rounds 12] [--store sqlite] [--runs 600] [--steps 10] [--warm-runs 500]
//
// Each cell first runs `--warm-runs` runs unmeasured (the same load), so the figures are a process's
// steady state: the JIT of the span export thread's pipeline (its first ~10,000 spans cost it about
// half a second of CPU, measured with the thread alone) is paid once per process, not per cell.
//
// Beside the engine's own CPU per step (the export thread included), each cell reports the whole
// machine's busy CPU per step from /proc/stat: the engine, the app, the sink, everything.
//
// Prints one RESULT line of JSON (medians and the on/off ratio); docs/benchmarks.md
// ("Observability overhead") records the figures.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile, round } from "./lib/stats.mjs";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "12" },
    store: { type: "string", default: "sqlite" },
    runs: { type: "string", default: "600" },
    steps: { type: "string", default: "10" },
    "warm-runs": { type: "string", default: "500" },
  },
});

// A local OTLP/HTTP sink: accepts the exporter's posts (and counts them), like a collector would.
// Spans are counted by their `weft.run.id` attribute key, which every Weft span carries once (its
// bytes appear as is in protobuf and in JSON): so the bench shows that no span was dropped.
let posts = 0;
let bytes = 0;
let spans = 0;
const spanMarker = Buffer.from("weft.run.id");
const sink = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => {
    bytes += c.length;
    chunks.push(c);
  });
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    for (let at = body.indexOf(spanMarker); at >= 0; at = body.indexOf(spanMarker, at + spanMarker.length)) spans++;
    posts++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
await new Promise((resolve) => sink.listen(0, "127.0.0.1", resolve));
const endpoint = `http://127.0.0.1:${sink.address().port}`;

const caseFile = fileURLToPath(new URL("./lib/weft-case.mjs", import.meta.url));
const base = { runs: Number(values.runs), steps: Number(values.steps), inFlight: 50, warmRuns: Number(values["warm-runs"]) };

function cell(params) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", caseFile, "throughput", values.store, "http", JSON.stringify(params)], {
      env: process.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line) reject(new Error(`cell exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line.slice(7)));
    });
  });
}

// Three settings per round, in turn: off, metrics only, metrics + traces.
const settings = {
  off: { metrics: false },
  metrics: { metrics: true, scrapeMs: 1000 },
  metrics_traces: { metrics: true, scrapeMs: 1000, otelEndpoint: endpoint },
};
const rate = Object.fromEntries(Object.keys(settings).map((k) => [k, []]));
const cpu = Object.fromEntries(Object.keys(settings).map((k) => [k, []]));
const loop = Object.fromEntries(Object.keys(settings).map((k) => [k, []]));
/** The whole machine's busy CPU per step: the engine, the app, the span exporter process and the sink. */
const machineCpu = Object.fromEntries(Object.keys(settings).map((k) => [k, []]));
/** Spans received per step, per traced cell (its spans are all posted by the time its process exits). */
const spansPerStep = [];
const last = (table) => JSON.stringify(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.at(-1)])));
// Each round starts with the next setting (off, metrics, traces; metrics, traces, off; …), so each
// setting runs first, second and third equally often over a multiple of three rounds: with a fixed
// order, a cell's place in the round (it follows another cell's disk and CPU work) would be
// counted as the cost of its setting.
const names = Object.keys(settings);
for (let i = 0; i < Number(values.rounds); i++) {
  for (const name of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
    const extra = settings[name];
    const spansBefore = spans;
    const r = (await cell({ ...base, ...extra })).metrics;
    if (extra.otelEndpoint) spansPerStep.push(round((spans - spansBefore) / ((base.runs + base.warmRuns) * base.steps), 2));
    rate[name].push(r.steps_per_s);
    cpu[name].push(r.engine_cpu_us_per_step);
    loop[name].push(r.engine_loop_us_per_step);
    machineCpu[name].push(r.machine_cpu_us_per_step);
  }
  console.error(`round ${i + 1}: steps/s ${last(rate)}; engine CPU µs/step ${last(cpu)}; machine CPU µs/step ${last(machineCpu)}`);
}
sink.close();
const median = (xs) => percentile(xs, 50);
const medians = (table) => Object.fromEntries(Object.entries(table).map(([k, v]) => [k, median(v)]));
const ratio = (table, k) => round(median(table[k]) / median(table.off), 3);
// Each round's cells ran back to back, so the machine's drift cancels best in a round's own ratio.
const pairedRatio = (table, k) => round(median(table[k].map((v, i) => v / table.off[i])), 3);
const result = {
  workload: `throughput: ${base.runs} runs × ${base.steps} steps, ${base.inFlight} in flight, ${values.store}, http, after ${base.warmRuns} warm-up runs`,
  steps_per_s: rate,
  engine_cpu_us_per_step: cpu,
  median_steps_per_s: medians(rate),
  median_engine_cpu_us_per_step: medians(cpu),
  rate_ratio: { metrics: ratio(rate, "metrics"), metrics_traces: ratio(rate, "metrics_traces") },
  cpu_ratio: { metrics: ratio(cpu, "metrics"), metrics_traces: ratio(cpu, "metrics_traces") },
  engine_loop_us_per_step: loop,
  loop_ratio: { metrics: ratio(loop, "metrics"), metrics_traces: ratio(loop, "metrics_traces") },
  machine_cpu_us_per_step: machineCpu,
  machine_cpu_ratio: { metrics: ratio(machineCpu, "metrics"), metrics_traces: ratio(machineCpu, "metrics_traces") },
  paired_rate_ratio: { metrics: pairedRatio(rate, "metrics"), metrics_traces: pairedRatio(rate, "metrics_traces") },
  load_1m: round(os.loadavg()[0], 2),
  otlp_posts: posts,
  otlp_spans_per_step: spansPerStep,
  otlp_bytes: bytes,
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
};
console.log(`RESULT ${JSON.stringify(result)}`);
