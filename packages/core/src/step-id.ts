import { createHash } from "node:crypto";

/** Every replay hashes every step id again: the hashes are remembered, within a bound. */
const maxRememberedIds = 10_000;
const hashedIds = new Map<string, string>();

/** The wire id of a step: lower-case hex SHA-1 of the user's id (with `:n` for the n-th repeat). */
export function hashStepId(userId: string): string {
  let hashed = hashedIds.get(userId);
  if (hashed === undefined) {
    hashed = createHash("sha1").update(userId).digest("hex");
    if (hashedIds.size >= maxRememberedIds) hashedIds.clear();
    hashedIds.set(userId, hashed);
  }
  return hashed;
}
