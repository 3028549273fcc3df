/** Longest channel or topic name accepted (Inngest hashes channels into its keys; we keep them readable and bounded). */
export const maxRealtimeNameLength = 256;

/**
 * Why a channel or topic name is refused, or undefined when it is fine: names are what clients
 * subscribe by, so they are non-empty printable text of bounded length (no control characters,
 * which would also break the Postgres bus: NOTIFY payloads cannot hold NUL).
 */
export function realtimeNameRefusal(kind: "channel" | "topic", name: unknown): string | undefined {
  if (typeof name !== "string" || name === "") return `a realtime ${kind} must be a non-empty string`;
  if (name.length > maxRealtimeNameLength)
    return `the realtime ${kind} ${JSON.stringify(name.slice(0, 40))}… is longer than ${maxRealtimeNameLength} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return `the realtime ${kind} ${JSON.stringify(name)} holds control characters`;
  return undefined;
}
