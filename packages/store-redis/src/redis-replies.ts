/** Reply parsing: script replies are untyped, and a wrong shape is a bug worth a clear message. */
export function replyArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
  return reply as unknown[];
}

export function replyString(reply: unknown, what: string): string {
  if (typeof reply !== "string") throw new Error(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
  return reply;
}

export function replyNumber(reply: unknown, what: string): number {
  const n = typeof reply === "string" ? Number(reply) : reply;
  if (typeof n !== "number" || Number.isNaN(n)) throw new Error(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
  return n;
}

export function replyStrings(reply: unknown, what: string): string[] {
  return replyArray(reply, what).map((v) => replyString(v, what));
}
