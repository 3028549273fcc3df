// Micro-benchmark of the CEL evaluator (issue 18): a typical trigger filter on a cache hit, the
// cost of a cache hit when ~1,000 distinct expressions are cached, and parsing. Run after
// `npm run build`:
//
//   node bench/expressions.mjs [--baseline DIR]
//
// --baseline names another build of packages/core/src/expression (a directory holding
// expression/compile.js), e.g. the previous commit's, to print both side by side. Each figure is
// the fastest of 9 rounds, alternating with the baseline, in nanoseconds per operation.
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

const { values } = parseArgs({ options: { baseline: { type: "string" } } });
const current = new URL("../packages/core/dist/expression/compile.js", import.meta.url).href;

const event = { name: "shop/order.placed", data: { userId: "u1", amount: 150, tags: ["a", "b"], user: { id: 7, email: "x@y.z" } } };
const filters = {
  "equality and comparison": "event.data.amount > 100.0 && event.data.userId == 'u1'",
  "string method and size()": "event.name.startsWith('shop/') && size(event.data.tags) > 1",
  "missing field compared": "event.data.coupon != 'x' && event.data.user.email != ''",
};

/** One timed round of `iterations` calls, in ns per call. */
function round(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** The cases for one build, each a function of the iteration index and its iteration count. */
async function cases(moduleUrl) {
  const { evaluateCondition, compileExpression } = await import(`${moduleUrl}?${Math.random()}`);
  const out = {};
  for (const [name, source] of Object.entries(filters)) out[`evaluate: ${name}`] = [() => evaluateCondition(source, { event }), 100_000];
  // 1,000 distinct cached expressions, visited round-robin: every call is a cache hit on a full cache.
  const many = Array.from({ length: 1000 }, (_, i) => `event.data.amount > ${i}.0`);
  // Filled on first use, so the evaluation cases above run with a small cache.
  let filled = false;
  const hit = (i) => {
    if (!filled) for (const s of many) compileExpression(s);
    filled = true;
    return compileExpression(many[i % 1000]);
  };
  out["cache hit, 1,000 cached (no evaluation)"] = [hit, 100_000];
  out["evaluate: equality and comparison, 1,000 cached"] = [() => evaluateCondition(filters["equality and comparison"], { event }), 100_000];
  let fresh = 0;
  out["parse (cache miss)"] = [() => compileExpression(`event.data.amount > ${++fresh}.0 && event.data.userId == 'u${fresh}'`), 5_000];
  return out;
}

// Builds alternate round by round, so load from other processes falls on both alike; the
// minimum over the rounds is the figure least disturbed by it.
const builds = [await cases(current)];
if (values.baseline) builds.unshift(await cases(pathToFileURL(`${values.baseline}/expression/compile.js`).href));
const best = builds.map(() => ({}));
for (const name of Object.keys(builds[0])) {
  for (const b of builds) round(...b[name]); // warm-up
  for (let r = 0; r < 9; r++) {
    builds.forEach((b, k) => {
      const ns = round(...b[name]);
      best[k][name] = Math.min(best[k][name] ?? Number.POSITIVE_INFINITY, ns);
    });
  }
}
const rows = best.at(-1);
const base = values.baseline ? best[0] : undefined;
console.log(`| case | ${base ? "baseline ns/op | " : ""}now ns/op${base ? " | change" : ""} |`);
console.log(`|---|${base ? "---:|" : ""}---:|${base ? "---:|" : ""}`);
for (const [name, ns] of Object.entries(rows)) {
  const b = base?.[name];
  console.log(
    `| ${name} | ${b !== undefined ? `${b.toFixed(0)} | ` : ""}${ns.toFixed(0)}${b !== undefined ? ` | ${(((ns - b) / b) * 100).toFixed(0)}%` : ""} |`,
  );
}
