import http2 from "node:http2";
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";

/** Nothing reached a store (no connection, refused stream, draining): safe to send again, anywhere. */
export class NotSent extends Error {}
/** The connection failed after the call was sent: it may or may not have run. */
export class LostInFlight extends Error {}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A call waiting for its answer, and what to do if it waits past its deadline. */
interface InFlight {
  deadline: number;
  expire: () => void;
}

/**
 * Expires calls that wait too long: one interval timer for all of them, rather than a timer per
 * stream, and only while any call is waiting.
 */
export class Deadlines {
  private readonly waiting = new Set<InFlight>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  add(call: InFlight): void {
    this.waiting.add(call);
    if (this.timer !== undefined) return;
    this.timer = setInterval(
      () => {
        const now = Date.now();
        for (const pending of this.waiting) if (pending.deadline <= now) pending.expire();
        if (this.waiting.size === 0) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
      },
      Math.max(10, Math.min(1_000, this.timeoutMs / 4)),
    );
    // The calls' own streams keep the process alive while they wait; the sweep alone must not.
    this.timer.unref();
  }

  delete(call: InFlight): void {
    this.waiting.delete(call);
  }
}

/**
 * One request on one stream of `session`: send it, collect the JSON answer, and classify any
 * failure as `NotSent` (safe to send again) or `LostInFlight` (it may have run).
 */
export function exchangeOnStream(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body: string | undefined, deadlines: Deadlines): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: body === undefined });
    } catch (e) {
      // The session got GOAWAY or died before this call: nothing was sent.
      reject(new NotSent(reasonOf(e), { cause: e }));
      return;
    }
    let status = 0;
    let answerHeaders: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let settled = false;
    const pending: InFlight = {
      deadline: Date.now() + deadlines.timeoutMs,
      expire: () => {
        fail(() => new LostInFlight(`no answer within ${deadlines.timeoutMs} ms`));
        stream.close(http2.constants.NGHTTP2_CANCEL);
      },
    };
    deadlines.add(pending);
    // Takes a factory: 'close' follows every answered call, and building an Error there
    // (capturing a stack) for nothing costs more than the rest of the bookkeeping.
    const fail = (error: () => Error) => {
      if (settled) return;
      settled = true;
      deadlines.delete(pending);
      reject(error());
    };
    const broken = (e?: Error) => {
      if (settled) return;
      // Refused by the server (GOAWAY past its last stream id): it never ran.
      if (status === 0 && stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) fail(() => new NotSent("stream refused", { cause: e }));
      else fail(() => new LostInFlight(e === undefined ? `stream closed (code ${stream.rstCode ?? "?"})` : reasonOf(e), { cause: e }));
    };
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      answerHeaders = h;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      if (settled) return;
      // A destroyed session ends its streams' bodies too: with no answer, that is a lost call.
      if (status === 0) {
        broken();
        return;
      }
      let parsed: unknown;
      try {
        parsed = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch (e) {
        fail(() => new LostInFlight(`unreadable answer (HTTP ${status}): ${reasonOf(e)}`));
        return;
      }
      settled = true;
      deadlines.delete(pending);
      resolve({ status, headers: answerHeaders, body: parsed });
    });
    stream.on("error", broken);
    stream.on("close", () => broken());
    if (body !== undefined) stream.end(body);
  });
}

/** An error's message with its `code` (ECONNREFUSED, ERR_HTTP2_…), for messages. */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}
