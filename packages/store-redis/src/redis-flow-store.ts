import { systemClock } from "@weft/store";
import type { Clock, FlowStore } from "@weft/store";
import { KeyLayout } from "./keys.js";
import * as lua from "./lua/flow-scripts.js";
import type { RedisConnection } from "./redis-connection.js";
import { replyArray, replyNumber, replyString, replyStrings } from "./redis-replies.js";

/**
 * How long a flow key outlives the last time it matters (a slot's or register's expiry, a bucket's
 * TAT) before Redis drops it. Those times are the store's clock and the expiry is Redis's, so the
 * slack keeps clock skew between engine and Redis from cutting anything short: it is only garbage
 * collection. A deleted register keeps its version this long, too.
 */
const flowGcSlackMs = 24 * 60 * 60 * 1000;

export interface RedisFlowStoreOptions {
  /** Only for how long a register's key lives (`put` is given no time); default the system clock. */
  clock?: Clock;
  keyPrefix?: string;
}

/**
 * `FlowStore` on Redis: one Lua script per operation, on keys tagged by the flow key (`{<key>}`), so
 * each is atomic on one node or one cluster slot. Slots are a sorted set scored by expiry, the token
 * bucket is its TAT (GCRA exactly as `gcra()` computes it, in Lua), a register is a hash. Every time
 * the contract is about comes from the caller, never from Redis.
 */
export class RedisFlowStore implements FlowStore {
  private readonly keys: KeyLayout;
  private readonly clock: Clock;

  constructor(
    private readonly conn: RedisConnection,
    opts: RedisFlowStoreOptions = {},
  ) {
    this.keys = new KeyLayout(opts.keyPrefix);
    this.clock = opts.clock ?? systemClock;
  }

  async acquireSlot(key: string, holder: string, limit: number, expiresAt: number, now: number): Promise<boolean> {
    const slots = this.keys.flow(key).slots;
    const reply = await this.conn.script(lua.flowAcquireSlot, [slots], [holder, limit, expiresAt, now, flowGcSlackMs]);
    return replyNumber(reply, "acquireSlot") === 1;
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    await this.conn.script(lua.flowReleaseSlot, [this.keys.flow(key).slots], [holder]);
  }

  async slotHolders(key: string, now: number): Promise<string[]> {
    return replyStrings(await this.conn.script(lua.flowSlotHolders, [this.keys.flow(key).slots], [now]), "slotHolders");
  }

  async takeToken(key: string, rate: { limit: number; periodMs: number; burst: number }, now: number) {
    const args = [now, rate.limit, rate.periodMs, rate.burst, flowGcSlackMs];
    const [allowed, retryAt] = replyArray(await this.conn.script(lua.flowTakeToken, [this.keys.flow(key).tat], args), "takeToken");
    return { allowed: allowed === 1, retryAt: replyNumber(retryAt, "takeToken") };
  }

  async put(key: string, value: string, expiresAt: number): Promise<number> {
    const args = [value, expiresAt, this.clock.now(), flowGcSlackMs];
    return replyNumber(await this.conn.script(lua.flowPut, [this.keys.flow(key).reg], args), "put");
  }

  async putIf(key: string, value: string, expiresAt: number, expected: number | undefined, now: number): Promise<number | undefined> {
    const args = [value, expiresAt, now, flowGcSlackMs, expected === undefined ? "" : expected];
    const version = replyNumber(await this.conn.script(lua.flowPutIf, [this.keys.flow(key).reg], args), "putIf");
    return version === 0 ? undefined : version;
  }

  async get(key: string, now: number): Promise<{ value: string; version: number } | undefined> {
    const reply = await this.conn.script(lua.flowGet, [this.keys.flow(key).reg], [now]);
    if (reply === null) return undefined;
    const [value, version] = replyArray(reply, "get");
    return { value: replyString(value, "get"), version: replyNumber(version, "get") };
  }

  async deleteIf(key: string, version: number): Promise<boolean> {
    return replyNumber(await this.conn.script(lua.flowDeleteIf, [this.keys.flow(key).reg], [version, flowGcSlackMs]), "deleteIf") === 1;
  }
}
