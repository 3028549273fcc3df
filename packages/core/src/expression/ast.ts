/**
 * The syntax tree of the CEL subset. Nodes are plain data without source positions, so a tree that
 * is printed and parsed again compares equal to the original (the printer's tests rely on it).
 */
export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "+" | "-" | "*" | "/" | "%";

import type { Uint } from "./values.js";

/** A literal: null, bool, int (bigint), uint, double (number), string or bytes. */
export type Scalar = null | boolean | number | bigint | string | Uint | Uint8Array;

export type Expr =
  | { readonly kind: "literal"; readonly value: Scalar }
  | { readonly kind: "ident"; readonly name: string }
  | { readonly kind: "select"; readonly operand: Expr; readonly field: string }
  | { readonly kind: "index"; readonly operand: Expr; readonly index: Expr }
  /** `fn(args)`, or `target.fn(args)` when `target` is set. `has(a.b)` is a call whose argument is a select. */
  | { readonly kind: "call"; readonly fn: string; readonly target?: Expr; readonly args: readonly Expr[] }
  | { readonly kind: "list"; readonly items: readonly Expr[] }
  | { readonly kind: "map"; readonly entries: readonly { readonly key: Expr; readonly value: Expr }[] }
  | { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: Expr }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "conditional"; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr };

/** A copy of `e` with each direct child replaced by `f(child)`; leaves come back as they are. */
export function mapChildren(e: Expr, f: (child: Expr) => Expr): Expr {
  switch (e.kind) {
    case "literal":
    case "ident":
      return e;
    case "select":
      return { ...e, operand: f(e.operand) };
    case "index":
      return { ...e, operand: f(e.operand), index: f(e.index) };
    case "call":
      return e.target ? { ...e, target: f(e.target), args: e.args.map(f) } : { ...e, args: e.args.map(f) };
    case "list":
      return { ...e, items: e.items.map(f) };
    case "map":
      return { ...e, entries: e.entries.map(({ key, value }) => ({ key: f(key), value: f(value) })) };
    case "unary":
      return { ...e, operand: f(e.operand) };
    case "binary":
      return { ...e, left: f(e.left), right: f(e.right) };
    case "conditional":
      // biome-ignore lint/suspicious/noThenProperty: `then` is the CEL conditional's branch in the AST, never a thenable
      return { ...e, test: f(e.test), then: f(e.then), otherwise: f(e.otherwise) };
  }
}

export function children(e: Expr): Expr[] {
  const out: Expr[] = [];
  mapChildren(e, (c) => (out.push(c), c));
  return out;
}
