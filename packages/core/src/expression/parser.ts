/**
 * Recursive-descent parser for the CEL subset, following the precedence of the CEL grammar:
 *
 *   Expr     = Or ["?" Or ":" Expr]
 *   Or       = Or "||" And              And      = And "&&" Relation
 *   Relation = Relation RelOp Add       (RelOp: < <= > >= == != in)
 *   Add      = Add ("+"|"-") Mul        Mul      = Mul ("*"|"/"|"%") Unary
 *   Unary    = Member | "!" Unary | "-" Unary
 *   Member   = Primary | Member "." IDENT ["(" args ")"] | Member "[" Expr "]"
 *   Primary  = IDENT ["(" args ")"] | "(" Expr ")" | "[" list "]" | "{" map "}" | ["-"] NUMBER | literal
 *
 * As in CEL, a minus directly before a number is part of the literal (`-5` is the literal -5), so
 * printing a negative number and parsing it back gives the same tree.
 */
import { children, type BinaryOp, type Expr } from "./ast.js";
import { syntaxError, tokenize, type Token } from "./lexer.js";
import { INT64_MAX, INT64_MIN, TYPES } from "./values.js";

/** The comprehension macros, called as methods: `list.all(x, x > 0)`, `m.map(k, v, ...)` and so on. */
export const MACROS: Readonly<Record<string, readonly number[]>> = { all: [2], exists: [2], exists_one: [2], map: [2, 3], filter: [2] };

/** Parser recursion (parentheses, lists, unary chains) is capped so hostile input cannot overflow the stack. */
const MAX_NESTING = 250;
/**
 * The evaluator and printer recurse over the tree; long operator chains (`a || b || ...`) make it
 * deep without nesting in the source, so the finished tree's depth is checked as well.
 */
const MAX_DEPTH = 1000;

const LEVELS: readonly (readonly BinaryOp[])[] = [["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">=", "in"], ["+", "-"], ["*", "/", "%"]];

/** Parses `source`; throws InvalidInputError naming the problem and its offset. */
export function parse(source: string): Expr {
  const parser = new Parser(source, tokenize(source));
  const expr = parser.parseAll();
  checkDepth(source, expr);
  return expr;
}

class Parser {
  private i = 0;
  private nesting = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseAll(): Expr {
    const e = this.expr();
    if (this.peek().kind !== "end") throw this.unexpected();
    return e;
  }

  private expr(): Expr {
    this.enter();
    const test = this.binary(0);
    let out = test;
    if (this.accept("?")) {
      const then = this.binary(0);
      this.expect(":");
      out = { kind: "conditional", test, then, otherwise: this.expr() };
    }
    this.nesting--;
    return out;
  }

  /** One precedence level of left-associative binary operators. */
  private binary(level: number): Expr {
    const ops = LEVELS[level];
    if (ops === undefined) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      const op = t.kind === "punct" ? ops.find((o) => o === t.text) : undefined;
      if (op === undefined) return left;
      this.i++;
      left = { kind: "binary", op, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.is("!") || (this.is("-") && this.peek(1).kind !== "number")) {
      this.i++;
      this.enter();
      const operand = this.unary();
      this.nesting--;
      return { kind: "unary", op: t.text === "!" ? "!" : "-", operand };
    }
    return this.member();
  }

  private member(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.accept(".")) {
        const name = this.next();
        if (name.kind !== "ident" || (name.quoted && this.is("("))) throw this.unexpected(name);
        e = this.is("(") ? this.call(name, e) : qualifiedType({ kind: "select", operand: e, field: name.text });
      } else if (this.accept("[")) {
        const index = this.expr();
        this.expect("]");
        e = { kind: "index", operand: e, index };
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === "number") return { kind: "literal", value: this.intInRange(t, t.value) };
    if (t.kind === "string") return { kind: "literal", value: t.value };
    if (t.kind === "ident" && !t.quoted) {
      if (t.text === "true" || t.text === "false") return { kind: "literal", value: t.text === "true" };
      if (t.text === "null") return { kind: "literal", value: null };
      return this.is("(") ? this.call(t, undefined) : { kind: "ident", name: t.text };
    }
    if (t.kind === "punct") {
      // unary() only lets a "-" through to here when a number follows it.
      if (t.text === "-") {
        const n = this.next();
        if (typeof n.value !== "number" && typeof n.value !== "bigint") throw syntaxError(this.source, `cannot negate ${n.text}`, t.pos);
        return { kind: "literal", value: this.intInRange(t, -n.value) };
      }
      if (t.text === "(") {
        const e = this.expr();
        this.expect(")");
        return e;
      }
      if (t.text === "[") return { kind: "list", items: this.sequence("]", () => this.expr()) };
      if (t.text === "{") {
        const entries = this.sequence("}", () => {
          const key = this.expr();
          this.expect(":");
          return { key, value: this.expr() };
        });
        return { kind: "map", entries };
      }
    }
    throw this.unexpected(t);
  }

  private call(name: Token, target: Expr | undefined): Expr {
    this.expect("(");
    const args = this.sequence(")", () => this.expr());
    // `has` is a macro over a field selection, not a function of a value: has(a.b) asks whether
    // `a` has a field `b`, so its argument must be a selection.
    if (name.text === "has" && !target && (args.length !== 1 || args[0]?.kind !== "select")) {
      throw syntaxError(this.source, "has() takes one field selection such as has(a.b)", name.pos);
    }
    const arities = target ? MACROS[name.text] : undefined;
    if (arities?.includes(args.length) && args[0]?.kind !== "ident") {
      throw syntaxError(this.source, `${name.text}() takes a variable name first, as in list.${name.text}(x, ...)`, name.pos);
    }
    return target ? { kind: "call", fn: name.text, target, args } : { kind: "call", fn: name.text, args };
  }

  /** CEL ints are 64-bit: a literal outside the range is a syntax error, not a silent double. */
  private intInRange<T>(t: Token, value: T): T {
    if (typeof value === "bigint" && (value < INT64_MIN || value > INT64_MAX)) throw syntaxError(this.source, `int literal ${t.text} out of range`, t.pos);
    return value;
  }

  /** Comma-separated items up to `close`; a trailing comma is allowed, as in CEL. */
  private sequence<T>(close: string, item: () => T): T[] {
    const out: T[] = [];
    while (!this.accept(close)) {
      if (out.length > 0) {
        this.expect(",");
        if (this.accept(close)) break;
      }
      out.push(item());
    }
    return out;
  }

  private enter(): void {
    if (++this.nesting > MAX_NESTING) {
      throw syntaxError(this.source, `nesting deeper than ${MAX_NESTING}`, this.peek().pos);
    }
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "end") this.i++;
    return t;
  }

  private is(text: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.text === text;
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.i++;
    return true;
  }

  private expect(text: string): void {
    if (this.accept(text)) return;
    const t = this.peek();
    throw syntaxError(this.source, `expected "${text}" but found ${describe(t)}`, t.pos);
  }

  private unexpected(t: Token = this.peek()): Error {
    return syntaxError(this.source, `unexpected ${describe(t)}`, t.pos);
  }
}

/** `google.protobuf.Timestamp` and the like name types: the select chain becomes one identifier. */
function qualifiedType(e: Expr): Expr {
  const parts: string[] = [];
  let cur = e;
  while (cur.kind === "select") {
    parts.unshift(cur.field);
    cur = cur.operand;
  }
  if (cur.kind !== "ident") return e;
  const name = [cur.name, ...parts].join(".");
  return Object.hasOwn(TYPES, name) ? { kind: "ident", name } : e;
}

function describe(t: Token): string {
  return t.kind === "end" ? "end" : JSON.stringify(t.text);
}

/** Iterative, so that checking a tree that is too deep cannot itself overflow the stack. */
function checkDepth(source: string, root: Expr): void {
  const stack: [Expr, number][] = [[root, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [e, depth] = item;
    if (depth > MAX_DEPTH) throw syntaxError(source, `expression deeper than ${MAX_DEPTH} levels`, 0);
    for (const c of children(e)) stack.push([c, depth + 1]);
  }
}
