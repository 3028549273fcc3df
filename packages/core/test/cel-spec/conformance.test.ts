/**
 * The CEL specification's conformance tests as an oracle for Weft's evaluator. Every applicable
 * case must pass except those in KNOWN_FAILURES (each with its reason, mirrored in
 * docs/cel-conformance.md); a fix or a regression changes the set and fails this test.
 */
import { describe, expect, it } from "vitest";
import { parse } from "../../src/expression/parser.js";
import { evaluate } from "../../src/expression/evaluator.js";
import { EvaluationError, MISSING, deepEqual, typeOf, mapEntries, isAnyMap } from "../../src/expression/values.js";
import { conformanceCases, type ConformanceCase } from "./cases.js";
import { KNOWN_FAILURES } from "./known-failures.js";

/** Equal and of the same CEL type at every level (deepEqual alone counts 1 and 1.0 as equal). */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeOf(a).name !== typeOf(b).name) return false;
  if (typeof a === "number" && typeof b === "number" && Number.isNaN(a)) return Number.isNaN(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isAnyMap(a) && isAnyMap(b))
    return deepEqual(a, b) && mapEntries(a).every(([k, v]) => mapEntries(b).some(([k2, v2]) => sameValue(k, k2) && sameValue(v, v2)));
  return deepEqual(a, b);
}

function outcome(c: ConformanceCase): string | undefined {
  let got: unknown;
  try {
    got = evaluate(parse(c.expr), c.bindings);
  } catch (err) {
    if (c.expected === "error" && err instanceof EvaluationError) return undefined;
    return `threw ${(err as Error).message}`;
  }
  if (c.expected === "error") return `gave ${String(got)} instead of an error`;
  if (got === MISSING) return "gave a missing value";
  return sameValue(got, c.expected.value) ? undefined : `gave ${show(got)}, expected ${show(c.expected.value)}`;
}

function show(v: unknown): string {
  return `${typeOf(v).name} ${JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}` : x)) ?? String(v)}`;
}

describe("CEL conformance (cel-spec v0.25.1 via @bufbuild/cel-spec)", () => {
  const { applicable, excluded } = conformanceCases();
  const failures = new Map<string, string>();
  for (const c of applicable) {
    const problem = outcome(c);
    if (problem) failures.set(c.id, problem);
  }
  const passed = applicable.length - failures.size;
  const rate = ((100 * passed) / applicable.length).toFixed(1);
  console.log(`CEL conformance: ${passed}/${applicable.length} applicable cases pass (${rate}%); ${excluded} cases do not apply to JSON events`);

  it("passes at least 95% of the applicable cases", () => {
    expect(passed / applicable.length).toBeGreaterThanOrEqual(0.95);
  });

  it("fails exactly the cases listed with their reasons", () => {
    const unexpected = [...failures].filter(([id]) => !(id in KNOWN_FAILURES)).map(([id, why]) => `${id}: ${why}`);
    const fixed = Object.keys(KNOWN_FAILURES).filter((id) => !failures.has(id));
    expect(unexpected).toEqual([]);
    expect(fixed).toEqual([]);
  });
});
