import { readFileSync } from "node:fs";
import { explainExpression, type ExplainedTerm, type Explanation } from "@weft/core";
import { parse, UsageError } from "./args.js";

/**
 * `weft explain-filter --event FILE [--async FILE] 'EXPR'`: whether the event in FILE (JSON) matches
 * the CEL filter and, when not, which terms were false or failed with their values (issue 18). It
 * runs Weft's evaluator locally, the same one the engine runs; `POST /v1/expressions/explain`
 * answers the same over HTTP. Exits 0 on a match, 1 otherwise.
 */
export async function explainFilter(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { event: { type: "string" }, async: { type: "string" } });
  const expression = positionals.join(" ").trim();
  if (!values.event || expression === "")
    throw new UsageError("weft explain-filter needs --event FILE and an expression: weft explain-filter --event e.json 'event.data.x > 1.0'");
  const event = readJson("--event", values.event);
  const asyncEvent = values.async ? readJson("--async", values.async) : event;
  let explanation: Explanation;
  try {
    explanation = explainExpression(expression, { event, async: asyncEvent });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  console.log(formatExplanation(explanation));
  if (!explanation.matched) process.exitCode = 1;
}

function readJson(flag: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`${flag} ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The verdict, then one line per reason with its operands' values. */
export function formatExplanation(x: Explanation): string {
  const lines = [x.matched ? "matches" : `does not match: the filter is ${describe(x.result)}`];
  for (const reason of x.reasons) {
    lines.push(`  ${reason.expression} is ${describe(reason)}`);
    for (const operand of reason.operands ?? []) lines.push(`    ${operand.expression} = ${describe(operand)}`);
  }
  return lines.join("\n");
}

function describe(t: ExplainedTerm): string {
  if (t.error !== undefined) return `an error: ${t.error}`;
  if (t.missing) return "missing (no such field)";
  return JSON.stringify(t.value);
}
