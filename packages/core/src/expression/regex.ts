/**
 * Regular expressions for CEL's `matches()`. CEL specifies RE2, and RE2's automata match in time
 * linear in the input: JavaScript's backtracking RegExp would let `^(a+)+$` and a 32-byte event
 * block the event loop for minutes, so patterns run on re2js, a pure-JS port of RE2/J.
 */
import { RE2JS, RE2JSException } from "re2js";
import { LruCache } from "./lru.js";

/** A compiled pattern, or the reason it does not compile (cached too, so a bad pattern is parsed once). */
type Compiled = RE2JS | { readonly problem: string };

// matches() runs for every event against every trigger filter, so each pattern is compiled once.
const cache = new LruCache<Compiled>(1000);
/**
 * A pattern can come from event data (`s.matches(event.data.p)`): longer ones are compiled each
 * time (linear in their length) rather than cached, so 1000 cached entries stay small.
 */
const CACHED_PATTERN_LENGTH = 1024;

function compiled(pattern: string): Compiled {
  return pattern.length > CACHED_PATTERN_LENGTH ? compile(pattern) : cache.getOrMake(pattern, compile);
}

function compile(pattern: string): Compiled {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    // re2js messages read "error parsing regexp: <problem>: `<fragment>`", as RE2's do.
    if (err instanceof RE2JSException) return { problem: err.message };
    throw err;
  }
}

/** Why `pattern` is not a valid RE2 regular expression, or undefined when it is. */
export function regexProblem(pattern: string): string | undefined {
  const re = compiled(pattern);
  return re instanceof RE2JS ? undefined : re.problem;
}

/**
 * Whether `pattern` matches anywhere in `s` (RE2's unanchored search, as CEL's `matches`).
 * Returns the problem instead when the pattern is invalid.
 */
export function regexSearch(s: string, pattern: string): boolean | { readonly problem: string } {
  const re = compiled(pattern);
  return re instanceof RE2JS ? re.test(s) : re;
}
