// Protocol §15: with streaming on, the SDK answers `201 Created` at once, keeps the connection alive
// with whitespace, and ends with one JSON envelope holding the answer it would have given unstreamed:
// `{"status":206,"headers":{…},"body":"[…ops…]","version":2}`. The envelope's status, headers and
// body decide the call, as in Inngest's executor; the outer 201 only says "streamed".

/** The status an SDK uses to say "the real answer is in the streamed envelope". */
export const streamedStatus = 201;

/** The answer inside a streamed envelope, as if it had come unstreamed. */
export interface UnwrappedResponse {
  status: number;
  /** The envelope's headers, names lower-cased. */
  headers: Record<string, string>;
  /** The inner body as text (the SDK sends it as a JSON string; other JSON is kept as its text). */
  body: string;
}

/** Why a 201 body is not a usable envelope; the message names what was wrong. */
export interface StreamProblem {
  problem: string;
}

/**
 * Read the text of a streamed (201) answer. Leading and trailing whitespace is the SDK's keep-alive.
 * Never throws: anything that is not an envelope becomes a `StreamProblem`.
 */
export function unwrapStreamed(text: string): UnwrappedResponse | StreamProblem {
  const trimmed = text.trim();
  if (trimmed === "") return { problem: "the stream ended before the SDK wrote its result" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { problem: `the streamed result is not JSON: ${trimmed.slice(0, 200)}` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { problem: `the streamed result is not an envelope object: ${trimmed.slice(0, 200)}` };
  }
  const envelope = parsed as Record<string, unknown>;
  // The SDK reports a failure to produce its answer in `error` (Inngest's executor retries it).
  if (typeof envelope.error === "string") return { problem: `the SDK reported a streaming error: ${envelope.error}` };
  const status = envelope.status;
  // A nested 201 would be a stream inside a stream: no SDK sends one, so it is refused, not unwrapped again.
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599 || status === streamedStatus) {
    return { problem: `the streamed envelope has no valid status (${JSON.stringify(status)})` };
  }
  const headers: Record<string, string> = {};
  if (envelope.headers !== undefined && envelope.headers !== null) {
    if (typeof envelope.headers !== "object" || Array.isArray(envelope.headers)) {
      return { problem: "the streamed envelope's headers are not an object" };
    }
    for (const [name, value] of Object.entries(envelope.headers)) {
      if (typeof value === "string") headers[name.toLowerCase()] = value;
      else if (typeof value === "number" || typeof value === "boolean") headers[name.toLowerCase()] = String(value);
    }
  }
  return { status, headers, body: bodyText(envelope.body) };
}

export function isStreamProblem(value: UnwrappedResponse | StreamProblem): value is StreamProblem {
  return "problem" in value;
}

/** The SDK stringifies the body it would have sent; an SDK that put raw JSON there is read as that JSON. */
function bodyText(body: unknown): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  return JSON.stringify(body);
}
