// Summarise a V8 .cpuprofile: top functions by self time, and self time per package/file group.
//   node bench/lib/profile-summary.mjs FILE.cpuprofile [top=25]
import { readFileSync } from "node:fs";

export function summarise(file, top = 25) {
  const prof = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id → µs
  const dts = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dts[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnKey = (n) => {
    const cf = n.callFrame;
    const url = cf.url
      .replace(/^file:\/\//, "")
      .replace(/^.*\/work\/main\//, "")
      .replace(/^.*node_modules\//, "node_modules/");
    return `${cf.functionName || "(anonymous)"} ${url ? `${url}:${cf.lineNumber + 1}` : ""}`.trim();
  };
  const group = (n) => {
    const url = n.callFrame.url;
    if (!url) return n.callFrame.functionName.startsWith("(") ? n.callFrame.functionName : "(native/builtin)";
    if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
    const m = /packages\/([^/]+)\//.exec(url) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    return m ? m[1] : url.split("/").slice(-2).join("/");
  };
  const byFn = new Map(),
    byGroup = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    byFn.set(fnKey(n), (byFn.get(fnKey(n)) ?? 0) + us);
    byGroup.set(group(n), (byGroup.get(group(n)) ?? 0) + us);
  }
  const rows = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, ms: Math.round(us / 1000), pct: Math.round((1000 * us) / total) / 10 }));
  return { total_ms: Math.round(total / 1000), functions: rows(byFn), groups: rows(byGroup) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = summarise(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`total sampled: ${s.total_ms} ms`);
  for (const r of s.groups) console.log(`${String(r.pct).padStart(5)}%  ${String(r.ms).padStart(6)} ms  [${r.name}]`);
  console.log("---");
  for (const r of s.functions) console.log(`${String(r.pct).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}`);
}
