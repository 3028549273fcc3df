import type { LuaScript } from "./lua-script.js";

/*
 * Queue scripts. KEYS[1] is the queue's base key `<prefix>queue:{<prefix>q}`; the scripts derive
 * every other queue key from it by a suffix, which keeps the queue's tag: the queue is one slot, and
 * each operation one atomic script there.
 *
 *   :job:<id>        hash  body (item JSON without availableAt/attempt), tenant, runId, availableAt,
 *                          attempt, member, leases (lease count), token and expiresAt while leased
 *   :tenant:<tenant> zset  member "<seq, 16 digits>|<id>" scored by readyAt: availableAt, or the
 *                          expiry of its lease. Leasable when readyAt <= now, so a lapsed lease is
 *                          leasable again with no separate scavenger; seq breaks ties in enqueue order
 *   :tenants         zset  tenant scored by when it was last served (0: never), for round-robin
 *   :unleased        zset  id scored by availableAt, items with no lease
 *   :leased          zset  id scored by lease expiry
 *   :refused         zset  id scored by the end of its dedupe window (store clock)
 *   :run:<runId>     set   ids of a run's items, for dropRun
 *   :kinds           hash  kind → items of that kind not yet removed (for statsByKind); an item
 *                          counts when its job hash has a `kind` field
 *   :seq, :served    counters
 */

/** Removes an item and refuses its id until `refuseUntil`. Shared by dequeue and dropRun. */
const removeItem = `
local function remove(base, id, refuseUntil)
  local job = base .. ':job:' .. id
  local f = redis.call('HMGET', job, 'tenant', 'member', 'runId', 'kind')
  if not f[1] then return end
  if f[4] then redis.call('HINCRBY', base .. ':kinds', f[4], -1) end
  redis.call('DEL', job)
  local tenantKey = base .. ':tenant:' .. f[1]
  redis.call('ZREM', tenantKey, f[2])
  if redis.call('ZCARD', tenantKey) == 0 then redis.call('ZREM', base .. ':tenants', f[1]) end
  redis.call('ZREM', base .. ':unleased', id)
  redis.call('ZREM', base .. ':leased', id)
  if f[3] ~= '' then redis.call('SREM', base .. ':run:' .. f[3], id) end
  redis.call('ZADD', base .. ':refused', refuseUntil, id)
end
`;

/** The job key of a token's item, or nothing when the token is not the item's current one. */
const holder = `
local function holder(base, id, token)
  local job = base .. ':job:' .. id
  if redis.call('HGET', job, 'token') ~= token then return nil end
  return job
end
`;

/**
 * ARGV: id, tenant, runId (or ''), body, availableAt, attempt, now, channel, wakeup message, for
 * an item enqueued already leased (`enqueueLeased`) its token and expiry ('' and '' otherwise), kind.
 * 1 when added, 0 when the id is queued, leased, or refused (its window ends after `now`). A
 * leased item is filed as `lease` files one, its tenant is marked served, and nothing is published.
 */
export const enqueue: LuaScript = {
  name: "weftEnqueue",
  lua: `
local base, id, tenant, runId = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local token, expires, kind = ARGV[10], ARGV[11], ARGV[12]
local job = base .. ':job:' .. id
if redis.call('EXISTS', job) == 1 then return 0 end
local refused = base .. ':refused'
redis.call('ZREMRANGEBYSCORE', refused, '-inf', ARGV[7])
if redis.call('ZSCORE', refused, id) then return 0 end
local member = string.format('%016.0f', redis.call('INCR', base .. ':seq')) .. '|' .. id
redis.call('HSET', job, 'body', ARGV[4], 'tenant', tenant, 'runId', runId, 'availableAt', ARGV[5],
  'attempt', ARGV[6], 'member', member, 'leases', 0, 'kind', kind)
redis.call('HINCRBY', base .. ':kinds', kind, 1)
if runId ~= '' then redis.call('SADD', base .. ':run:' .. runId, id) end
if token == '' then
  redis.call('ZADD', base .. ':tenant:' .. tenant, ARGV[5], member)
  redis.call('ZADD', base .. ':unleased', ARGV[5], id)
  redis.call('ZADD', base .. ':tenants', 'NX', 0, tenant)
  redis.call('PUBLISH', ARGV[8], ARGV[9])
else
  redis.call('HSET', job, 'leases', 1, 'token', token, 'expiresAt', expires)
  redis.call('ZADD', base .. ':tenant:' .. tenant, expires, member)
  redis.call('ZADD', base .. ':leased', expires, id)
  redis.call('ZADD', base .. ':tenants', redis.call('INCR', base .. ':served'), tenant)
end
return 1`,
};

/**
 * ARGV: now, leaseMs, limit, nonce seed. Picks up to `limit` ready items: the least recently served
 * tenants with a ready item (at most `limit` of them), then round-robin across them, oldest first
 * within each (as `fairOrder` does). Answers {body, availableAt, attempt, token, lease count} per
 * lease. The token is spelled as `encodeLeaseToken` spells it: "<leaseCount>-<expiresAt>-<nonce>:<id>".
 */
export const lease: LuaScript = {
  name: "weftLease",
  lua: `
local base = KEYS[1]
local now, limit, seed = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local expires = now + tonumber(ARGV[2])
local tenantsKey = base .. ':tenants'
-- The least recently served tenants with a ready item, at most limit of them (one item each so far).
local tenants, ready, drained = {}, {}, {}
local offset = 0
while #tenants < limit do
  local page = redis.call('ZRANGE', tenantsKey, offset, offset + 99)
  if #page == 0 then break end
  for _, tenant in ipairs(page) do
    local first = redis.call('ZRANGEBYSCORE', base .. ':tenant:' .. tenant, '-inf', ARGV[1], 'LIMIT', 0, 1)
    if #first > 0 then
      tenants[#tenants + 1] = tenant
      ready[#ready + 1] = first
      drained[#drained + 1] = false
      if #tenants >= limit then break end
    end
  end
  offset = offset + 100
end
-- Round-robin; a tenant's list grows by a fair share at a time, so a lease reads about 2 x limit items.
local chunk = math.max(1, math.ceil(limit / math.max(1, #tenants)))
local function nth(i, round)
  local list = ready[i]
  if list[round] == nil and not drained[i] then
    local more = redis.call('ZRANGEBYSCORE', base .. ':tenant:' .. tenants[i], '-inf', ARGV[1], 'LIMIT', #list, chunk)
    for _, member in ipairs(more) do list[#list + 1] = member end
    if #more < chunk then drained[i] = true end
  end
  return list[round]
end
local picked = {}
local round = 1
while #picked < limit do
  local took = false
  for i, tenant in ipairs(tenants) do
    if #picked >= limit then break end
    local member = nth(i, round)
    if member then
      picked[#picked + 1] = {tenant, member}
      took = true
    end
  end
  if not took then break end
  round = round + 1
end
-- Only now change anything: the reads above saw one unchanged queue.
local out = {}
for i, pick in ipairs(picked) do
  local tenant, member = pick[1], pick[2]
  local id = string.sub(member, 18)
  local job = base .. ':job:' .. id
  local count = redis.call('HINCRBY', job, 'leases', 1)
  local token = string.format('%d-%.0f-%08x:', count, expires, (seed + i) % 4294967296) .. id
  redis.call('HSET', job, 'token', token, 'expiresAt', expires)
  redis.call('ZADD', base .. ':tenant:' .. tenant, expires, member)
  redis.call('ZREM', base .. ':unleased', id)
  redis.call('ZADD', base .. ':leased', expires, id)
  redis.call('ZADD', tenantsKey, redis.call('INCR', base .. ':served'), tenant)
  local f = redis.call('HMGET', job, 'body', 'availableAt', 'attempt')
  out[#out + 1] = {f[1], f[2], f[3], token, count}
end
return out`,
};

/** ARGV: id, token, new expiry. 1 when the token holds the item, else 0. */
export const extend: LuaScript = {
  name: "weftExtend",
  lua: `${holder}
local base = KEYS[1]
local job = holder(base, ARGV[1], ARGV[2])
if not job then return 0 end
local f = redis.call('HMGET', job, 'tenant', 'member')
redis.call('HSET', job, 'expiresAt', ARGV[3])
redis.call('ZADD', base .. ':tenant:' .. f[1], ARGV[3], f[2])
redis.call('ZADD', base .. ':leased', ARGV[3], ARGV[1])
return 1`,
};

/** ARGV: id, token, availableAt, attempt, channel, wakeup message. 1 when requeued, else 0. */
export const requeue: LuaScript = {
  name: "weftRequeue",
  lua: `${holder}
local base = KEYS[1]
local job = holder(base, ARGV[1], ARGV[2])
if not job then return 0 end
local f = redis.call('HMGET', job, 'tenant', 'member')
redis.call('HSET', job, 'availableAt', ARGV[3], 'attempt', ARGV[4])
redis.call('HDEL', job, 'token', 'expiresAt')
redis.call('ZADD', base .. ':tenant:' .. f[1], ARGV[3], f[2])
redis.call('ZREM', base .. ':leased', ARGV[1])
redis.call('ZADD', base .. ':unleased', ARGV[3], ARGV[1])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`,
};

/** ARGV: id, token, refuse-until. 1 when removed, else 0. */
export const dequeue: LuaScript = {
  name: "weftDequeue",
  lua: `${holder}${removeItem}
local base = KEYS[1]
if not holder(base, ARGV[1], ARGV[2]) then return 0 end
remove(base, ARGV[1], ARGV[3])
return 1`,
};

/** ARGV: runId, refuse-until. Removes every item of the run, leased or not. */
export const dropRun: LuaScript = {
  name: "weftDropRun",
  lua: `${removeItem}
local base = KEYS[1]
local runKey = base .. ':run:' .. ARGV[1]
for _, id in ipairs(redis.call('SMEMBERS', runKey)) do remove(base, id, ARGV[2]) end
redis.call('DEL', runKey)
return 0`,
};

/**
 * ARGV: now. The smallest availableAt among unleased items and items whose lease has lapsed
 * (expiry <= now), as the stored text; false when there is none.
 */
export const nextAvailableAt: LuaScript = {
  name: "weftNextAvailableAt",
  lua: `
local base = KEYS[1]
local best, bestText = nil, false
local head = redis.call('ZRANGE', base .. ':unleased', 0, 0, 'WITHSCORES')
if #head > 0 then best, bestText = tonumber(head[2]), head[2] end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', base .. ':leased', '-inf', ARGV[1])) do
  local at = redis.call('HGET', base .. ':job:' .. id, 'availableAt')
  if at and (best == nil or tonumber(at) < best) then best, bestText = tonumber(at), at end
end
return bestText`,
};

/** Items not yet dequeued: each is either unleased or leased. */
export const size: LuaScript = {
  name: "weftQueueSize",
  lua: `
return redis.call('ZCARD', KEYS[1] .. ':unleased') + redis.call('ZCARD', KEYS[1] .. ':leased')`,
};

/**
 * ARGV: now, walk limit. Depth per kind from the `:kinds` counters, and per kind the oldest due
 * unleased item, found by walking the unleased items due by `now` oldest first until every counted
 * kind was seen or `limit` items were read (a kind first seen past the limit reports none).
 * Answers a flat array: kind, depth, oldest availableAt text or '' for each kind.
 */
export const statsByKind: LuaScript = {
  name: "weftQueueStatsByKind",
  lua: `
local base = KEYS[1]
local counts = redis.call('HGETALL', base .. ':kinds')
local wanted, missing, oldest = {}, 0, {}
for i = 1, #counts, 2 do
  if tonumber(counts[i + 1]) > 0 then wanted[counts[i]] = true; missing = missing + 1 end
end
if missing > 0 then
  local due = redis.call('ZRANGEBYSCORE', base .. ':unleased', '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
  for i = 1, #due, 2 do
    local kind = redis.call('HGET', base .. ':job:' .. due[i], 'kind')
    if kind and wanted[kind] and not oldest[kind] then
      oldest[kind] = due[i + 1]
      missing = missing - 1
      if missing == 0 then break end
    end
  end
end
local out = {}
for i = 1, #counts, 2 do
  if tonumber(counts[i + 1]) > 0 then
    out[#out + 1] = counts[i]; out[#out + 1] = counts[i + 1]; out[#out + 1] = oldest[counts[i]] or ''
  end
end
return out`,
};
