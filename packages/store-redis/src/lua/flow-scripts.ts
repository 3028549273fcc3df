import type { LuaScript } from "./lua-script.js";

// Flow scripts take the keys of one flow key (`{<key>}`), so each is one atomic step on one slot.
// Every time is the store's clock, passed in; Redis's own clock only runs the garbage-collection
// expiries (PEXPIRE), which are that much later plus a slack passed in. Times are read with
// `tonumber` (exact: ioredis sends JS numbers in their shortest round-trip spelling) and written
// back with `%.17g`, so a fractional TAT survives storage bit for bit.

/**
 * Take one of `limit` slots for a holder. KEYS[1] slots (zset holder → expiresAt). ARGV: holder,
 * limit, expiresAt, now, GC slack ms. Answers 1 when taken or extended, 0 when full.
 */
export const flowAcquireSlot: LuaScript = {
  name: "weftFlowAcquireSlot",
  lua: `
local now = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.max(1, math.ceil(tonumber(last[2]) - now)) + tonumber(ARGV[5])
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl))
return 1`,
};

/** Give a slot back. KEYS[1] slots. ARGV: holder. (Redis drops the zset with its last member.) */
export const flowReleaseSlot: LuaScript = {
  name: "weftFlowReleaseSlot",
  lua: `
redis.call('ZREM', KEYS[1], ARGV[1])
return 0`,
};

/** The holders whose slots outlive `now`. KEYS[1] slots. ARGV: now. */
export const flowSlotHolders: LuaScript = {
  name: "weftFlowSlotHolders",
  lua: `
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')`,
};

/**
 * GCRA, step for step as `gcra()` in @weft/store (doubles in both; `test/flow-gcra.redis.test.ts`
 * compares the two on random inputs). KEYS[1] tat. ARGV: now, limit, periodMs, burst, GC slack ms.
 * Answers {1, now} when allowed, {0, retryAt}; the number as a string, so it is not cut to an integer.
 */
export const flowTakeToken: LuaScript = {
  name: "weftFlowTakeToken",
  lua: `
local now = tonumber(ARGV[1])
local limit = math.max(1, tonumber(ARGV[2]))
local interval = tonumber(ARGV[3]) / limit
local tolerance = interval * (limit - 1 + math.max(0, tonumber(ARGV[4])))
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local allowAt = tat - tolerance
if now < allowAt then return {0, string.format('%.17g', math.ceil(allowAt))} end
local nextTat = tat + interval
local ttl = math.max(1, math.ceil(nextTat - now)) + tonumber(ARGV[5])
redis.call('SET', KEYS[1], string.format('%.17g', nextTat), 'PX', string.format('%.0f', ttl))
return {1, ARGV[1]}`,
};

/**
 * Set a register, counting its version. KEYS[1] reg (hash value, version, expiresAt). ARGV: value,
 * expiresAt, now, GC slack ms. Answers the new version.
 */
export const flowPut: LuaScript = {
  name: "weftFlowPut",
  lua: `
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'expiresAt', ARGV[2])
local ttl = math.max(1, math.ceil(tonumber(ARGV[2]) - tonumber(ARGV[3]))) + tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl))
return version`,
};

/**
 * Compare-and-set: put only if the live version at `now` is ARGV[5] ('' = no live value).
 * KEYS[1] reg. ARGV: value, expiresAt, now, GC slack ms, expected. Answers the version or 0.
 */
export const flowPutIf: LuaScript = {
  name: "weftFlowPutIf",
  lua: `
local r = redis.call('HMGET', KEYS[1], 'value', 'version', 'expiresAt')
local live = r[1] and tonumber(r[3]) > tonumber(ARGV[3])
if ARGV[5] == '' then
  if live then return 0 end
elseif not live or tonumber(r[2]) ~= tonumber(ARGV[5]) then
  return 0
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'expiresAt', ARGV[2])
local ttl = math.max(1, math.ceil(tonumber(ARGV[2]) - tonumber(ARGV[3]))) + tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl))
return version`,
};

/** A register's {value, version}, or nil when deleted or expired at `now`. KEYS[1] reg. ARGV: now. */
export const flowGet: LuaScript = {
  name: "weftFlowGet",
  lua: `
local r = redis.call('HMGET', KEYS[1], 'value', 'version', 'expiresAt')
if not r[1] or tonumber(r[3]) <= tonumber(ARGV[1]) then return false end
return {r[1], r[2]}`,
};

/**
 * Delete a register's value if it still has `version`; the version stays, so it keeps counting.
 * KEYS[1] reg. ARGV: version, GC slack ms. Answers 1 when deleted.
 */
export const flowDeleteIf: LuaScript = {
  name: "weftFlowDeleteIf",
  lua: `
local r = redis.call('HMGET', KEYS[1], 'value', 'version')
if not r[1] or tonumber(r[2]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HDEL', KEYS[1], 'value', 'expiresAt')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
};
