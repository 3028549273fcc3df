/**
 * Memoized step state as the server sends it in `steps` (protocol §5), and the order in which
 * it is replayed.
 */

/**
 * A step's stored state: a value to resolve with, an error to throw as a `StepError`, or (the
 * rerun feature) edited input for a step that has not run yet.
 */
export type Memo = { kind: "data"; data: unknown } | { kind: "error"; error: unknown } | { kind: "input"; input: unknown[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `{data: X}` (optionally with `type`) → X; `{error: E}` → E thrown; `{input: [...]}` → not run
 * yet, with these arguments; anything else, such as a
 * raw `null` (a sleep or a timed-out wait) or a raw event object (a matched wait), is the value.
 */
export function parseMemo(value: unknown): Memo {
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => k !== "type");
    if (keys.length === 1 && keys[0] === "data") return { kind: "data", data: value.data ?? null };
    if (keys.length === 1 && keys[0] === "input") {
      return { kind: "input", input: Array.isArray(value.input) ? value.input : [value.input] };
    }
    if ("error" in value && value.error !== undefined && value.error !== null) return { kind: "error", error: value.error };
  }
  return { kind: "data", data: value ?? null };
}

/** The parsed `steps` map, and the ids of steps that have a result, in completion order. */
export interface MemoState {
  memos: Map<string, Memo>;
  order: string[];
}

/**
 * Parse `steps` and order the completed ones: the stack first, then any stored step it leaves
 * out (in key order, which is also the fallback when the stack is empty).
 */
export function parseSteps(steps: Record<string, unknown>, stack: readonly string[]): MemoState {
  const memos = new Map<string, Memo>();
  for (const [id, value] of Object.entries(steps)) memos.set(id, parseMemo(value));
  const done = (id: string) => memos.has(id) && memos.get(id)?.kind !== "input";
  const ordered = new Set(stack.filter(done));
  for (const id of memos.keys()) if (done(id)) ordered.add(id);
  return { memos, order: [...ordered] };
}
