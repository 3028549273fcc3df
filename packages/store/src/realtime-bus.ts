/**
 * Realtime fan-out: messages published on a channel's topic reach every subscriber of that channel
 * and topic, in whichever engine process each one is connected to (Inngest Realtime; protocol
 * §16). Messages are not stored: a subscriber gets what is published while it is subscribed.
 *
 * Contract:
 * - **Active on resolve**: once `subscribe` resolves, every message whose `publish` is called
 *   afterwards reaches the subscriber (while the backend stays reachable).
 * - **Order per topic**: if `publish(c, t, a)` resolved before `publish(c, t, b)` was called (by
 *   any process), a subscriber that receives both receives `a` first. Each backend has one path
 *   (one Redis or Postgres channel, one in-process list), so this holds across topics too.
 * - **Isolation**: a subscriber hears only its own channel and the topics it named.
 * - `message` is opaque text (the server passes the JSON frame it sends to clients, so it is
 *   serialised once, not per subscriber).
 *
 * Deliberately not in this contract: persistence, replay after a reconnect (a message published
 * while a backend connection is down may be lost), delivery acknowledgements.
 */
export interface RealtimeBus {
  /** Deliver `message` to the subscribers of `channel` and `topic`; resolves once handed to the backend. */
  publish(channel: string, topic: string, message: string): Promise<void>;
  /** Listen to `topics` of `channel` until the subscription is closed; resolves once active. */
  subscribe(channel: string, topics: readonly string[], onMessage: (topic: string, message: string) => void): Promise<RealtimeSubscription>;
  /** Stop every subscription and release the bus's own connections; a second call is a no-op. */
  close(): Promise<void>;
}

export interface RealtimeSubscription {
  /** Stop listening; a second call is a no-op. */
  close(): Promise<void>;
}
