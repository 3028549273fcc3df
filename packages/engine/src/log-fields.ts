import type { LogLevel } from "./logger.js";

/** Field names that hold a secret: never logged, at any level or depth. */
const secret = /^(authorization|cookie|set-cookie|password|secret|token|api[-_]?token|signing[-_]?key|event[-_]?keys?|signature|x-inngest-signature)$/i;
/** Field names that hold a payload (event data, step output, a request body): logged in debug lines only. */
const payload = /^(data|output|payload|result|body|event|events|headers|input)$/i;

/**
 * The fields a line of `level` may carry: secrets dropped everywhere, payloads dropped unless the
 * line is a debug line. Nested objects are walked (bounded depth), so a payload or a secret inside
 * a field is dropped too.
 */
export function logFields(level: LogLevel, fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (fields === undefined) return undefined;
  return clean(fields, level === "debug", 0) as Record<string, unknown>;
}

function clean(value: unknown, keepPayloads: boolean, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= 4) return "[nested]";
  if (Array.isArray(value)) return value.map((v) => clean(v, keepPayloads, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (secret.test(k)) continue;
    if (!keepPayloads && payload.test(k)) continue;
    out[k] = clean(v, keepPayloads, depth + 1);
  }
  return out;
}
