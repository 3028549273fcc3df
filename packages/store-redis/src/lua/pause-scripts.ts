import type { LuaScript } from "./lua-script.js";

/** Save a pause's JSON unless its id is taken. ARGV: JSON. Answers the JSON that stands. */
export const savePauseBody: LuaScript = {
  name: "weftSavePauseBody",
  lua: `
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`,
};

/**
 * Add a pause id to its (env, event name) index. KEYS: any [, paths, match]. ARGV: id [, path].
 * A path's count goes up only when the id was new there, so a repeated save counts once.
 */
export const indexPause: LuaScript = {
  name: "weftIndexPause",
  lua: `
if #KEYS == 1 then
  redis.call('SADD', KEYS[1], ARGV[1])
elseif redis.call('SADD', KEYS[3], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return 0`,
};

/** The reverse of `indexPause`: a path leaves `paths` with its last pause. Same KEYS and ARGV. */
export const unindexPause: LuaScript = {
  name: "weftUnindexPause",
  lua: `
if #KEYS == 1 then
  redis.call('SREM', KEYS[1], ARGV[1])
elseif redis.call('SREM', KEYS[3], ARGV[1]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
end
return 0`,
};

/**
 * How many pauses one (env, event name) index holds: the ids without a match key plus each match
 * path's count (kept by `indexPause`). KEYS: any, paths.
 */
export const countPauseIndex: LuaScript = {
  name: "weftCountPauseIndex",
  lua: `
local n = redis.call('SCARD', KEYS[1])
for _, c in ipairs(redis.call('HVALS', KEYS[2])) do n = n + tonumber(c) end
return n`,
};

/** The ids without a match key and the match paths in use, read together. KEYS: any, paths. */
export const readPauseIndex: LuaScript = {
  name: "weftReadPauseIndex",
  lua: `
return {redis.call('SMEMBERS', KEYS[1]), redis.call('HKEYS', KEYS[2])}`,
};

/**
 * Claim an exclusive key (`claimPause`). KEYS: the key's claim hash (`id`, `pause`: the holder's id
 * and JSON). ARGV: id, JSON, onConflict (`fail` | `replace`), the id to evict (or ""). Answers
 * `{'claimed', json}` (this id holds the key: the JSON that stands), `{'held', holder json}`, or
 * `{'replaced', previous holder json}` (this id now holds it).
 */
export const claimPauseKey: LuaScript = {
  name: "weftClaimPauseKey",
  lua: `
local holder = redis.call('HGET', KEYS[1], 'id')
if holder == ARGV[1] then return {'claimed', redis.call('HGET', KEYS[1], 'pause')} end
if holder and ARGV[3] == 'fail' and holder ~= ARGV[4] then return {'held', redis.call('HGET', KEYS[1], 'pause')} end
local previous = holder and redis.call('HGET', KEYS[1], 'pause')
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'pause', ARGV[2])
if previous then return {'replaced', previous} end
return {'claimed', ARGV[2]}`,
};

/** Free a claim if `ARGV[1]` (a pause id) still holds it. KEYS: the claim hash. Answers 1 if freed. */
export const releasePauseKey: LuaScript = {
  name: "weftReleasePauseKey",
  lua: `
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
};
