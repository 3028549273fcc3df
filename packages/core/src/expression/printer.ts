/**
 * Prints a tree back to CEL source that parses to the same tree. Parentheses are added only where
 * precedence requires them, so printed expressions stay close to what a person would write.
 */
import type { BinaryOp, Expr, Scalar } from "./ast.js";
import { Uint } from "./values.js";

// Higher binds tighter; the numbers follow the grammar levels in parser.ts.
const CONDITIONAL = 1;
const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  "||": 2,
  "&&": 3,
  "==": 4,
  "!=": 4,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  in: 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};
const OR = PRECEDENCE["||"];
const UNARY = 7;
const MEMBER = 8;
const PRIMARY = 9;

export function print(e: Expr): string {
  return show(e, CONDITIONAL);
}

/** `e` printed where the grammar needs at least precedence `min`. */
function show(e: Expr, min: number): string {
  const [text, precedence] = render(e);
  return precedence < min ? `(${text})` : text;
}

function render(e: Expr): [string, number] {
  switch (e.kind) {
    case "literal":
      return [printLiteral(e.value), PRIMARY];
    case "ident":
      return [e.name, PRIMARY];
    case "select":
      return [`${show(e.operand, MEMBER)}.${/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.field) ? e.field : `\`${e.field}\``}`, MEMBER];
    case "index":
      return [`${show(e.operand, MEMBER)}[${print(e.index)}]`, MEMBER];
    case "call": {
      const call = `${e.fn}(${e.args.map(print).join(", ")})`;
      return [e.target ? `${show(e.target, MEMBER)}.${call}` : call, MEMBER];
    }
    case "list":
      return [`[${e.items.map(print).join(", ")}]`, PRIMARY];
    case "map":
      return [`{${e.entries.map(({ key, value }) => `${print(key)}: ${print(value)}`).join(", ")}}`, PRIMARY];
    case "unary": {
      // `-5` would read back as the literal -5, so a negated number literal keeps its parentheses.
      const operand = e.op === "-" && e.operand.kind === "literal" && (typeof e.operand.value === "number" || typeof e.operand.value === "bigint");
      return [`${e.op}${operand ? `(${print(e.operand)})` : show(e.operand, UNARY)}`, UNARY];
    }
    case "binary": {
      // Left-associative: only the right operand needs parentheses at equal precedence.
      const p = PRECEDENCE[e.op];
      return [`${show(e.left, p)} ${e.op} ${show(e.right, p + 1)}`, p];
    }
    case "conditional":
      return [`${show(e.test, OR)} ? ${show(e.then, OR)} : ${show(e.otherwise, CONDITIONAL)}`, CONDITIONAL];
  }
}

export function printLiteral(value: Scalar): string {
  if (typeof value === "string") return quote(value);
  if (value instanceof Uint) return `${value.value}u`;
  if (value instanceof Uint8Array) return `b"${Array.from(value, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("")}"`;
  if (typeof value !== "number") return String(value);
  if (Number.isNaN(value)) return 'double("NaN")';
  // 1e999 parses back to Infinity, so infinities survive a round trip as literals.
  if (!Number.isFinite(value)) return value > 0 ? "1e999" : "-1e999";
  // A double keeps a fraction or an exponent, so that it reads back as a double and not an int.
  const text = Object.is(value, -0) ? "-0" : String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

const ESCAPES: Readonly<Record<string, string>> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * A double-quoted CEL string. Control characters, line separators and lone surrogates are written
 * as \u escapes so the output is plain printable text; other characters are kept as they are.
 */
function quote(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are written as \u escapes
  const escaped = s.replace(/[\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]/gu, (c) => {
    return ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return `"${escaped}"`;
}
