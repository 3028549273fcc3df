/** Splits CEL source into tokens; string literals are decoded here so the parser sees values. */
import { InvalidInputError } from "../errors.js";
import type { Scalar } from "./ast.js";
import { Uint } from "./values.js";

export interface Token {
  readonly kind: "number" | "string" | "ident" | "punct" | "end";
  /** The source text of the token (for errors); "" for the end token. */
  readonly text: string;
  readonly value: Scalar;
  /** Offset in the source, 0-based. */
  readonly pos: number;
  /** A field name in backticks (`` a.`content-type` ``): usable only after a dot. */
  readonly quoted?: boolean;
}

// Integers (bigint), hex integers, uints (`u` suffix), doubles with a fraction or an exponent. A `.`
// joins a number only before a digit, so `5.size()` still lexes as `5` `.` `size`.
const NUMBER = /0[xX][0-9a-fA-F]+[uU]?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?|\.\d+(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
// Longest first, so `<=` is not read as `<` `=`.
const PUNCT = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "[", "]", "(", ")", "{", "}"];

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "`": "`",
  "?": "?",
};

/** The error for bad syntax, naming the offset of the problem. */
export function syntaxError(source: string, problem: string, pos: number): InvalidInputError {
  return new InvalidInputError(expressionMessage(source, `${problem} at ${pos}`));
}

/** A message about `source`; long sources (frozen trigger events) are cut so messages stay readable. */
export function expressionMessage(source: string, problem: string): string {
  const shown = source.length > 120 ? `${source.slice(0, 117)}...` : source;
  return `expression ${JSON.stringify(shown)}: ${problem}`;
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const match = (re: RegExp, at: number): string | undefined => {
    re.lastIndex = at;
    return re.exec(source)?.[0];
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      i++;
      continue;
    }
    if (source.startsWith("//", i)) {
      const newline = source.indexOf("\n", i);
      i = newline < 0 ? source.length : newline;
      continue;
    }
    const start = i;
    const num = operandEnds(tokens) && c === "." ? undefined : match(NUMBER, i);
    if (num !== undefined) {
      tokens.push({ kind: "number", text: num, value: numberValue(source, num, start), pos: start });
      i += num.length;
      continue;
    }
    const word = match(IDENT, i);
    if (word !== undefined) {
      const quote = source[i + word.length];
      const prefix = word.toLowerCase();
      if ((prefix === "r" || prefix === "b" || prefix === "br" || prefix === "rb") && (quote === '"' || quote === "'")) {
        const [value, end] = readString(source, i + word.length, prefix.includes("r"), prefix.includes("b"));
        tokens.push({ kind: "string", text: source.slice(start, end), value, pos: start });
        i = end;
        continue;
      }
      // `in` is an operator, not a name; true/false/null stay identifiers until the parser.
      tokens.push({ kind: word === "in" ? "punct" : "ident", text: word, value: null, pos: start });
      i += word.length;
      continue;
    }
    if (c === "`") {
      const end = source.indexOf("`", i + 1);
      const name = end < 0 ? "" : source.slice(i + 1, end);
      if (!/^[A-Za-z0-9_.\-/ ]+$/.test(name)) throw syntaxError(source, "invalid quoted field name", i);
      tokens.push({ kind: "ident", text: name, value: null, pos: start, quoted: true });
      i = end + 1;
      continue;
    }
    if (c === '"' || c === "'") {
      const [value, end] = readString(source, i, false, false);
      tokens.push({ kind: "string", text: source.slice(start, end), value, pos: start });
      i = end;
      continue;
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i));
    if (punct === undefined) throw syntaxError(source, `unexpected character ${JSON.stringify(c)}`, i);
    tokens.push({ kind: "punct", text: punct, value: null, pos: start });
    i += punct.length;
  }
  tokens.push({ kind: "end", text: "", value: null, pos: source.length });
  return tokens;
}

const encoder = new TextEncoder();

/** Whether the last token ends an operand, so that a following `.` selects rather than starts `.5`. */
function operandEnds(tokens: readonly Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return last !== undefined && (last.kind !== "punct" || last.text === ")" || last.text === "]" || last.text === "}");
}

/** int (bigint), uint or double; an int's range is the parser's to check, since `-` may precede it. */
function numberValue(source: string, text: string, pos: number): Scalar {
  const unsigned = /[uU]$/.test(text);
  const digits = unsigned ? text.slice(0, -1) : text;
  if (!/^0[xX]/.test(digits) && /[.eE]/.test(digits)) {
    if (unsigned) throw syntaxError(source, `invalid uint literal ${text}`, pos);
    return Number(digits);
  }
  const n = BigInt(digits);
  if (!unsigned) return n;
  if (n > 2n ** 64n - 1n) throw syntaxError(source, `uint literal ${text} out of range`, pos);
  return new Uint(n);
}

/**
 * Reads a '...', "...", '''...''' or """...""" literal whose quote is at `at`; returns [value, end
 * offset]. A bytes literal decodes hex and octal escapes to single bytes, anything else to UTF-8.
 */
function readString(source: string, at: number, raw: boolean, bytes: boolean): [string | Uint8Array, number] {
  const quote = source[at]!;
  const triple = source.startsWith(quote.repeat(3), at);
  const close = triple ? quote.repeat(3) : quote;
  let out = "";
  const octets: number[] = [];
  let i = at + close.length;
  for (;;) {
    if (i >= source.length) throw syntaxError(source, "unterminated string", at);
    if (source.startsWith(close, i)) return [bytes ? Uint8Array.from(octets) : out, i + close.length];
    const c = source[i]!;
    if (!triple && (c === "\n" || c === "\r")) throw syntaxError(source, "newline in string", i);
    let text: string;
    let isByte = false;
    if (c !== "\\" || raw) {
      text = String.fromCodePoint(source.codePointAt(i)!);
      i += text.length;
    } else {
      [text, i, isByte] = readEscape(source, i, bytes);
    }
    if (!bytes) out += text;
    else if (isByte) octets.push(text.charCodeAt(0));
    else octets.push(...encoder.encode(text));
  }
}

/**
 * Decodes the escape sequence at `at` (which holds the backslash); returns [text, next offset,
 * whether it is one raw byte (hex and octal escapes in a bytes literal)].
 */
function readEscape(source: string, at: number, bytes: boolean): [string, number, boolean] {
  const c = source[at + 1] ?? "";
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, at + 2, false];
  const hexDigits = c === "x" || c === "X" ? 2 : c === "u" ? 4 : c === "U" ? 8 : 0;
  if (hexDigits > 0) {
    const hex = source.slice(at + 2, at + 2 + hexDigits);
    const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexDigits ? parseInt(hex, 16) : -1;
    if (code < 0 || code > 0x10ffff || (bytes && hexDigits > 2)) throw syntaxError(source, `invalid escape \\${c}${hex}`, at);
    return [String.fromCodePoint(code), at + 2 + hexDigits, bytes];
  }
  const octal = source.slice(at + 1, at + 4);
  if (/^[0-3][0-7]{2}$/.test(octal)) return [String.fromCodePoint(parseInt(octal, 8)), at + 4, bytes];
  throw syntaxError(source, `invalid escape \\${c}`, at);
}
