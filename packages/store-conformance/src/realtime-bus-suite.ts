import type { RealtimeBus } from "@weft/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

export interface RealtimeBusSuiteOptions {
  name: string;
  /**
   * Two buses as two engine processes would hold them (the memory bus passes one twice); `close`
   * releases both.
   */
  create(): Promise<{ publisher: RealtimeBus; subscriber: RealtimeBus; close(): Promise<void> }>;
}

type Heard = { topic: string; message: string };

/** A listener that records what it hears and waits for a count. */
function recorder() {
  const heard: Heard[] = [];
  let wake: () => void = () => {};
  return {
    heard,
    onMessage: (topic: string, message: string) => {
      heard.push({ topic, message });
      wake();
    },
    async until(count: number): Promise<Heard[]> {
      while (heard.length < count) await new Promise<void>((resolve) => (wake = resolve));
      return heard.slice();
    },
  };
}

let channelCount = 0;
const freshChannel = (label: string) => `${label}-${process.pid}-${++channelCount}`;

/** The `RealtimeBus` contract (see `realtime-bus.ts`), for every backend. */
export function runRealtimeBusSuite(opts: RealtimeBusSuiteOptions): void {
  describe(`realtime bus: ${opts.name}`, () => {
    let buses: Awaited<ReturnType<RealtimeBusSuiteOptions["create"]>>;
    beforeAll(async () => {
      buses = await opts.create();
    });
    afterAll(() => buses?.close());

    it("a subscriber hears every message of its topics, in publish order per topic, from another process", async () => {
      const channel = freshChannel("order");
      const rec = recorder();
      const sub = await buses.subscriber.subscribe(channel, ["t1", "t2"], rec.onMessage);
      for (let i = 0; i < 40; i++) await buses.publisher.publish(channel, i % 3 === 0 ? "t2" : "t1", `m${i}`);
      const heard = await rec.until(40);
      await sub.close();
      const expected = (topic: string) => Array.from({ length: 40 }, (_, i) => i).filter((i) => (i % 3 === 0 ? "t2" : "t1") === topic);
      expect(heard.filter((h) => h.topic === "t1").map((h) => h.message)).toEqual(expected("t1").map((i) => `m${i}`));
      expect(heard.filter((h) => h.topic === "t2").map((h) => h.message)).toEqual(expected("t2").map((i) => `m${i}`));
    });

    it("another channel and an ungranted topic are never heard", async () => {
      const channel = freshChannel("mine");
      const rec = recorder();
      const sub = await buses.subscriber.subscribe(channel, ["granted"], rec.onMessage);
      await buses.publisher.publish(freshChannel("other"), "granted", "other channel");
      await buses.publisher.publish(channel, "ungranted", "other topic");
      // Published last: in publish order it arrives after anything above would have.
      await buses.publisher.publish(channel, "granted", "sentinel");
      expect(await rec.until(1)).toEqual([{ topic: "granted", message: "sentinel" }]);
      await sub.close();
    });

    it("a large message (past Postgres NOTIFY's 8000 bytes, multi-byte text) arrives whole, in its place", async () => {
      const channel = freshChannel("large");
      const rec = recorder();
      const sub = await buses.subscriber.subscribe(channel, ["t"], rec.onMessage);
      const large = JSON.stringify({ text: "€ðŸ🙂 ".repeat(20_000) });
      await buses.publisher.publish(channel, "t", "before");
      await buses.publisher.publish(channel, "t", large);
      await buses.publisher.publish(channel, "t", "after");
      const heard = await rec.until(3);
      await sub.close();
      expect(heard.map((h) => h.message.length)).toEqual([6, large.length, 5]);
      expect(heard[1]?.message).toBe(large);
    });

    it("a closed subscription hears nothing more; others on the channel still do", async () => {
      const channel = freshChannel("closed");
      const closed = recorder();
      const open = recorder();
      const first = await buses.subscriber.subscribe(channel, ["t"], closed.onMessage);
      const second = await buses.subscriber.subscribe(channel, ["t"], open.onMessage);
      await buses.publisher.publish(channel, "t", "one");
      await closed.until(1);
      await first.close();
      await first.close();
      await buses.publisher.publish(channel, "t", "two");
      expect((await open.until(2)).map((h) => h.message)).toEqual(["one", "two"]);
      expect(closed.heard.map((h) => h.message)).toEqual(["one"]);
      await second.close();
    });
  });
}
