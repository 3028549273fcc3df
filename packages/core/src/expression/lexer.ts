/** Splits CEL source into tokens; string literals are decoded here so the parser sees values. */
import { InvalidInputError } from "../errors.js";

export interface Token {
  readonly kind: "number" | "string" | "ident" | "punct" | "end";
  /** The source text of the token (for errors); "" for the end token. */
  readonly text: string;
  readonly value: number | string | null;
  /** Offset in the source, 0-based. */
  readonly pos: number;
}

// Integers, hex integers, doubles with optional fraction and exponent. A `u` suffix (CEL's uint) is
// accepted and ignored, since all numbers are JS numbers. A `.` joins a number only before a digit,
// so `5.size()` still lexes as `5` `.` `size`.
const NUMBER = /0[xX][0-9a-fA-F]+[uU]?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?/y;
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
    const num = match(NUMBER, i);
    if (num !== undefined) {
      tokens.push({ kind: "number", text: num, value: Number(num.replace(/[uU]$/, "")), pos: start });
      i += num.length;
      continue;
    }
    const word = match(IDENT, i);
    if (word !== undefined) {
      const quote = source[i + word.length];
      if ((word === "r" || word === "R") && (quote === '"' || quote === "'")) {
        const [value, end] = readString(source, i + 1, true);
        tokens.push({ kind: "string", text: source.slice(start, end), value, pos: start });
        i = end;
        continue;
      }
      // `in` is an operator, not a name; true/false/null stay identifiers until the parser.
      tokens.push({ kind: word === "in" ? "punct" : "ident", text: word, value: null, pos: start });
      i += word.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const [value, end] = readString(source, i, false);
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

/** Reads a '...', "...", '''...''' or """...""" literal starting at `at`; returns [value, end offset]. */
function readString(source: string, at: number, raw: boolean): [string, number] {
  const quote = source[at]!;
  const triple = source.startsWith(quote.repeat(3), at);
  const close = triple ? quote.repeat(3) : quote;
  let out = "";
  let i = at + close.length;
  for (;;) {
    if (i >= source.length) throw syntaxError(source, "unterminated string", raw ? at - 1 : at);
    if (source.startsWith(close, i)) return [out, i + close.length];
    const c = source[i]!;
    if (!triple && (c === "\n" || c === "\r")) throw syntaxError(source, "newline in string", i);
    if (c !== "\\" || raw) {
      out += c;
      i++;
      continue;
    }
    const [decoded, next] = readEscape(source, i);
    out += decoded;
    i = next;
  }
}

/** Decodes the escape sequence at `at` (which holds the backslash); returns [text, next offset]. */
function readEscape(source: string, at: number): [string, number] {
  const c = source[at + 1] ?? "";
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, at + 2];
  const hexDigits = c === "x" || c === "X" ? 2 : c === "u" ? 4 : c === "U" ? 8 : 0;
  if (hexDigits > 0) {
    const hex = source.slice(at + 2, at + 2 + hexDigits);
    const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexDigits ? parseInt(hex, 16) : -1;
    if (code < 0 || code > 0x10ffff) throw syntaxError(source, `invalid escape \\${c}${hex}`, at);
    return [String.fromCodePoint(code), at + 2 + hexDigits];
  }
  const octal = source.slice(at + 1, at + 4);
  if (/^[0-3][0-7]{2}$/.test(octal)) return [String.fromCodePoint(parseInt(octal, 8)), at + 4];
  throw syntaxError(source, `invalid escape \\${c}`, at);
}
