/**
 * JSON text with object keys sorted (RFC 8785-style key order), so equal values give equal bytes.
 * Used for write-once comparisons, pause match keys and signed request bodies.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, "") ?? "null";
}

/** Like JSON.stringify's own walk: undefined for what it leaves out (undefined, functions, symbols). */
function encode(value: unknown, key: string): string | undefined {
  // toJSON first, as JSON.stringify does: otherwise a Date has no own keys and becomes `{}`.
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value) as string | undefined;
  if (Array.isArray(value)) {
    // Array.from visits holes, which map skips and join writes as nothing (`[1,,3]`, not JSON).
    return `[${Array.from(value, (v, i) => encode(v, String(i)) ?? "null").join(",")}]`;
  }
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = encode((value as Record<string, unknown>)[k], k);
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${v}`);
  }
  return `{${parts.join(",")}}`;
}
