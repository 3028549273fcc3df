// A browser-free realtime subscriber for the tests: the SDK's `subscribe()` needs a global
// `WebSocket`, which Node 20 lacks (Node 22 has it); undici's is the same implementation.
import { WebSocket } from "undici";

/** Give Node 20 the global `WebSocket` that browsers and Node 22 have. */
export function installWebSocket(): void {
  const g = globalThis as { WebSocket?: unknown };
  g.WebSocket ??= WebSocket;
}

/** A message as the SDK's subscription stream yields it (the fields the tests read). */
export interface ReceivedMessage {
  kind: string;
  channel?: string;
  topic?: string;
  data: unknown;
  runId?: string;
}

/**
 * Read `stream` in the background, collecting every message; `until` resolves once `count` have
 * arrived (or rejects after `timeoutMs`, naming what did arrive).
 */
export function collect(stream: ReadableStream<unknown>): {
  messages: ReceivedMessage[];
  until(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
} {
  const messages: ReceivedMessage[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      messages.push(value as ReceivedMessage);
      for (const w of waiters.splice(0)) w();
    }
  })();
  return {
    messages,
    until: (count, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} realtime messages, got ${messages.length}: ${JSON.stringify(messages)}`)),
          timeoutMs,
        );
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve(messages.slice());
          } else waiters.push(check);
        };
        check();
      }),
  };
}
