import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LabelledHistogram } from "./labelled-histogram.js";

const buckets = [0.001, 0.01, 0.1, 1];
const observations: [string, string, number][] = [
  ["sqlite", "queue.lease", 0.0004],
  ["sqlite", "queue.lease", 0.001],
  ["sqlite", "queue.lease", 0.05],
  ["sqlite", "state.saveStep", 2.5],
  ["redis", "queue.lease", 0.01],
  ["sqlite", "queue.lease", 0.3],
];

describe("LabelledHistogram", () => {
  it("serves exactly the text prom-client's Histogram serves for the same observations", async () => {
    const theirs = new Registry();
    const reference = new Histogram({ name: "h_seconds", help: "help text", labelNames: ["backend", "operation"], buckets, registers: [theirs] });
    const ours = new Registry();
    const fast = new LabelledHistogram("h_seconds", "help text", ["backend", "operation"], buckets, ours);
    for (const [backend, operation, v] of observations) {
      reference.labels(backend, operation).observe(v);
      fast.series(backend, operation).observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("keeps one series per label values, however often it is looked up", async () => {
    const registry = new Registry();
    const fast = new LabelledHistogram("x_seconds", "x", ["kind"], buckets, registry);
    expect(fast.series("a")).toBe(fast.series("a"));
    fast.series("a").observe(0.5);
    fast.series("a").observe(5);
    const text = await registry.metrics();
    expect(text).toContain('x_seconds_bucket{le="1",kind="a"} 1');
    expect(text).toContain('x_seconds_bucket{le="+Inf",kind="a"} 2');
    expect(text).toContain('x_seconds_count{kind="a"} 2');
  });
});
