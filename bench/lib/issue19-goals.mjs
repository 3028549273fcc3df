// The goals of issue 19 ("Speed II"), checked against one bench report: most are ratios to
// Restate measured in the same run. When this run has no Restate row for a workload (Restate not
// installed, --peers without it, or its cell failed), the ratio uses the Restate row of the
// previous report if it has one, and says so and when; otherwise the goal is "not measured".

/** Where a figure comes from: a row of the report (system, store, mode, workload) and a metric. */
const weft = (mode, workload, metric, store = "sqlite") => ({ system: "weft", store, mode, workload, metric });
const restate = (workload, metric) => ({ system: "restate", workload, metric });

/**
 * Each goal: `of` the measured figure; `vs` Restate's figure and `factor` (the goal is
 * of ≤ vs × factor for "lower is better", of ≥ vs × factor for "higher"), or `value` an absolute limit.
 */
const goals = [
  // @weft/sdk over HTTP on SQLite
  {
    sdk: "@weft/sdk",
    text: "per step, steady state: ≥ 3× faster than Restate",
    of: weft("http", "seq", "ms_per_step"),
    vs: restate("seq", "ms_per_step"),
    better: "lower",
    factor: 1 / 3,
  },
  {
    sdk: "@weft/sdk",
    text: "per step, first run of a process: ≥ 3× faster than Restate",
    of: weft("http", "seq", "first_run_ms_per_step"),
    vs: restate("seq", "first_run_ms_per_step"),
    better: "lower",
    factor: 1 / 3,
  },
  {
    sdk: "@weft/sdk",
    text: "throughput: ≥ 3× Restate's steps/s",
    of: weft("http", "throughput", "steps_per_s"),
    vs: restate("throughput", "steps_per_s"),
    better: "higher",
    factor: 3,
  },
  {
    sdk: "@weft/sdk",
    text: "fan-out 100: at or under Restate's time",
    of: weft("http", "fanout100", "total_ms"),
    vs: restate("fanout100", "total_ms"),
    better: "lower",
    factor: 1,
  },
  {
    sdk: "@weft/sdk",
    text: "1,000-wait burst: p99 ≤ 1/5 of Restate's",
    of: weft("http", "wait", "p99_ms"),
    vs: restate("wait", "p99_ms"),
    better: "lower",
    factor: 1 / 5,
  },
  // the official `inngest` SDK 4.x over HTTP on SQLite
  {
    sdk: "inngest 4.x",
    text: "per step, steady state: at or under Restate's",
    of: weft("http-inngest", "seq", "ms_per_step"),
    vs: restate("seq", "ms_per_step"),
    better: "lower",
    factor: 1,
  },
  {
    sdk: "inngest 4.x",
    text: "per step, first run of a process: at or under Restate's",
    of: weft("http-inngest", "seq", "first_run_ms_per_step"),
    vs: restate("seq", "first_run_ms_per_step"),
    better: "lower",
    factor: 1,
  },
  {
    sdk: "inngest 4.x",
    text: "throughput: at or above Restate's steps/s",
    of: weft("http-inngest", "throughput", "steps_per_s"),
    vs: restate("throughput", "steps_per_s"),
    better: "higher",
    factor: 1,
  },
  {
    sdk: "inngest 4.x",
    text: "fan-out 100: within 3× of Restate's time",
    of: weft("http-inngest", "fanout100", "total_ms"),
    vs: restate("fanout100", "total_ms"),
    better: "lower",
    factor: 3,
  },
  {
    sdk: "inngest 4.x",
    text: "Weft's own CPU per step ≤ 0.15 ms (µs of the server process per step in the throughput workload; the app is another process)",
    of: weft("http-inngest", "throughput", "engine_cpu_us_per_step"),
    better: "lower",
    value: 150,
  },
  // embedded
  { sdk: "embedded", text: "throughput (SQLite) ≥ 20,000 steps/s", of: weft("embedded", "throughput", "steps_per_s"), better: "higher", value: 20_000 },
  { sdk: "embedded", text: "1,000-wait burst p99 ≤ 50 ms (SQLite)", of: weft("embedded", "wait", "p99_ms"), better: "lower", value: 50, waits: 1000 },
  {
    sdk: "embedded",
    text: "throughput (Postgres) ≥ 3,000 steps/s",
    of: weft("embedded", "throughput", "steps_per_s", "postgres"),
    better: "higher",
    value: 3000,
  },
  {
    sdk: "embedded",
    text: "1,000-wait burst p99 ≤ 500 ms (Postgres)",
    of: weft("embedded", "wait", "p99_ms", "postgres"),
    better: "lower",
    value: 500,
    waits: 1000,
  },
];

const find = (rows, at) =>
  rows?.find(
    (r) =>
      r.system === at.system && r.workload === at.workload && (at.store === undefined || r.store === at.store) && (at.mode === undefined || r.mode === at.mode),
  )?.metrics?.[at.metric];

/**
 * Check every goal against `report` (this run). `previous` is the report this run replaces (or
 * undefined): its Restate rows stand in, labelled, for Restate rows this run lacks.
 */
export function issue19Goals(report, previous) {
  return goals.map((g) => {
    const m = find(report.rows, g.of);
    const base = { sdk: g.sdk, text: g.text, better: g.better };
    if (g.waits && report.counts?.wait?.k !== g.waits)
      return { ...base, met: null, note: `the run parked ${report.counts?.wait?.k} waits, the goal is stated for ${g.waits}` };
    if (m?.median === undefined) return { ...base, met: null, note: "Weft's cell not run or failed in this run" };
    const measured = { median: m.median, min: m.min, max: m.max, n: m.n };
    if (g.value !== undefined) return { ...base, measured, limit: g.value, met: g.better === "lower" ? m.median <= g.value : m.median >= g.value };
    let r = find(report.rows, g.vs);
    let restateFrom = "this run";
    if (r?.median === undefined) {
      r = find(previous?.rows, g.vs);
      restateFrom =
        r?.median === undefined
          ? undefined
          : `an earlier run (${previous.started_at.slice(0, 16).replace("T", " ")} UTC, \`${previous.command}\`), not this one`;
    }
    if (r?.median === undefined) return { ...base, measured, met: null, note: "no Restate figure for this workload, in this run or the previous one" };
    const limit = r.median * g.factor;
    // How Weft compares: >1 means Weft is better by that factor.
    const advantage = g.better === "lower" ? r.median / m.median : m.median / r.median;
    return {
      ...base,
      measured,
      restate: { median: r.median, min: r.min, max: r.max, n: r.n },
      restate_from: restateFrom,
      limit,
      advantage,
      met: g.better === "lower" ? m.median <= limit : m.median >= limit,
    };
  });
}
