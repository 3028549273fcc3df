/**
 * The index key of a pause. If an expression can only be true when `<variable>.<path> == <literal>`
 * holds, an event need only be checked against pauses filed under its own value at that path.
 */
import { canonicalJson } from "../canonical-json.js";
import type { Expr, Scalar } from "./ast.js";
import { astOf } from "./compile.js";
import { Uint } from "./values.js";

/**
 * For `variable.a.b == <literal>` or `<literal> == variable.a.b`, alone or as one term of a
 * top-level `&&` chain (the first such term wins): the path `a.b` and the literal's canonical JSON.
 * Undefined when no term qualifies; `||`, `!=` and non-literal operands never do, since they do not
 * pin the field to one value. The path is the form `valueAtPath` reads, so keys containing dots
 * (`variable["a.b"]`) are not used.
 */
export function extractEqualityKey(source: string, variable: string): { path: string; value: string } | undefined {
  for (const term of conjuncts(astOf(source))) {
    if (term.kind !== "binary" || term.op !== "==") continue;
    const key = keyOf(term.left, term.right, variable) ?? keyOf(term.right, term.left, variable);
    if (key) return key;
  }
  return undefined;
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "&&" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

function keyOf(pathSide: Expr, literalSide: Expr, variable: string): { path: string; value: string } | undefined {
  if (literalSide.kind !== "literal") return undefined;
  const value = jsonLiteral(literalSide.value);
  const path = value === undefined ? undefined : dottedPath(pathSide, variable);
  return path === undefined ? undefined : { path, value: canonicalJson(value) };
}

/**
 * The JSON value an event field must hold to equal the literal: ints compare equal to the double of
 * the same value, which is how JSON numbers arrive. Literals no JSON value can equal (bytes, ints
 * beyond 2^53) give no key, so their pauses are checked against every event instead.
 */
function jsonLiteral(v: Scalar): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : undefined;
  if (v instanceof Uint) return jsonLiteral(v.value);
  if (v instanceof Uint8Array) return undefined;
  return v;
}

function dottedPath(e: Expr, variable: string): string | undefined {
  const keys: string[] = [];
  let cur = e;
  for (;;) {
    let key: string;
    if (cur.kind === "select") key = cur.field;
    else if (cur.kind === "index" && cur.index.kind === "literal" && typeof cur.index.value === "string") key = cur.index.value;
    else break;
    if (key === "" || key.includes(".")) return undefined;
    keys.unshift(key);
    cur = cur.operand;
  }
  return cur.kind === "ident" && cur.name === variable && keys.length > 0 ? keys.join(".") : undefined;
}
