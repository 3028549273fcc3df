import { createHash } from "node:crypto";

/** The wire id of a step: lower-case hex SHA-1 of the user's id (with `:n` for the n-th repeat). */
export function hashStepId(userId: string): string {
  return createHash("sha1").update(userId).digest("hex");
}
