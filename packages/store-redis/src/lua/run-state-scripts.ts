import type { LuaScript } from "./lua-script.js";

// Run scripts take the run's keys in one order: KEYS[1] run hash, [2] steps, [3] stack, [4] pending.
// All four carry the tag `{<runId>}`, so each script is one atomic step on one slot.

/**
 * Create the run's state unless the run id is taken. ARGV: idempotency key, static metadata JSON,
 * events JSON. Answers 2 when created, 1 when this id already holds a run of the same key (a repeat
 * of this very create), 0 when another key holds it.
 */
export const createRunState: LuaScript = {
  name: "weftCreateRunState",
  lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'key') == ARGV[1] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'key', ARGV[1], 'meta', ARGV[2], 'events', ARGV[3], 'status', 'Running', 'version', -1, 'force', 0)
return 2`,
};

/**
 * Point an idempotency key at a run, unless a run or a live tombstone holds it. KEYS[1] the key's
 * string. ARGV: run id, now. Answers {'created'}, {'exists', runId} or {'tombstone'}.
 */
export const claimKey: LuaScript = {
  name: "weftClaimKey",
  lua: `
local v = redis.call('GET', KEYS[1])
if v then
  if string.sub(v, 1, 2) == 'r:' then return {'exists', string.sub(v, 3)} end
  if tonumber(string.sub(v, 3)) > tonumber(ARGV[2]) then return {'tombstone'} end
end
redis.call('SET', KEYS[1], 'r:' .. ARGV[1])
return {'created'}`,
};

/** Remove a run made by a create that then lost its key. ARGV: the idempotency key it was made under. */
export const undoCreateRun: LuaScript = {
  name: "weftUndoCreateRun",
  lua: `
if redis.call('HGET', KEYS[1], 'key') == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4]) end
return 0`,
};

/**
 * Tombstone an idempotency key for a deleted run: only while it still points at that run (or is
 * already a tombstone), so deleting a stray run never buries another run's key. KEYS[1] the key's
 * string. ARGV: run id, tombstone until (store clock), expiry for garbage collection (ms, server clock).
 */
export const tombstoneKey: LuaScript = {
  name: "weftTombstoneKey",
  lua: `
local v = redis.call('GET', KEYS[1])
if v == 'r:' .. ARGV[1] or (v and string.sub(v, 1, 2) == 't:') then
  redis.call('SET', KEYS[1], 't:' .. ARGV[2], 'PX', ARGV[3])
end
return 0`,
};

/**
 * Write-once save. ARGV: step id, output. Answers {-1} for no run, {0} for different bytes already
 * there, {1, pending, stack} for the same bytes, {2, pending, stack} for a first save, whose stack
 * append and pending removal happen together in this one script.
 */
export const saveStep: LuaScript = {
  name: "weftSaveStep",
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  if existing ~= ARGV[2] then return {0} end
  return {1, redis.call('SCARD', KEYS[4]), redis.call('LLEN', KEYS[3])}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local length = redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
return {2, redis.call('SCARD', KEYS[4]), length}`,
};

/** ARGV: step ids. Ids with a result are skipped; any pending id sets `force`. -1 for no run. */
export const addPending: LuaScript = {
  name: "weftAddPending",
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
for i = 1, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then redis.call('SADD', KEYS[4], ARGV[i]) end
end
if redis.call('SCARD', KEYS[4]) > 0 then redis.call('HSET', KEYS[1], 'force', 1) end
return 0`,
};

/** ARGV: version or '', force ('1', '0' or ''). -1 for no run. */
export const updateRun: LuaScript = {
  name: "weftUpdateRun",
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'version', ARGV[1]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'force', ARGV[2]) end
return 0`,
};

/**
 * Claim the end once. ARGV: status, endedAt, has output ('1'/'0'), output, expiry ms (0: none).
 * -1 no run, 0 lost, 1 won; with an expiry, the won claim sets it on the run's keys and answers the
 * run's idempotency key (under another tag: the caller expires it).
 */
export const finalize: LuaScript = {
  name: "weftFinalize",
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'status') ~= 'Running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'endedAt', ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'output', ARGV[4]) end
if tonumber(ARGV[5]) > 0 then
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
  return redis.call('HGET', KEYS[1], 'key')
end
return 1`,
};

/**
 * A consistent snapshot of the whole run: {meta, events, status, version, force, endedAt}, the stack,
 * the steps as a flat field/value list, the pending ids. False when there is no run.
 */
export const loadRun: LuaScript = {
  name: "weftLoadRun",
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return {
  redis.call('HMGET', KEYS[1], 'meta', 'events', 'status', 'version', 'force', 'endedAt'),
  redis.call('LRANGE', KEYS[3], 0, -1),
  redis.call('HGETALL', KEYS[2]),
  redis.call('SMEMBERS', KEYS[4])
}`,
};
