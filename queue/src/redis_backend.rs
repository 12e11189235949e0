//! The Redis backend: jobs in Redis, for several machines sharing one queue.
//!
//! Same semantics as the database backend (the SQL in `store/src/jobs_sql.rs`)
//! and the same conformance suite. Every state change is one Lua script, so it
//! is atomic even with many workers; scripts take "now" from the caller
//! (`now_ms()`), never from Redis, so both backends follow one clock rule.
//!
//! # Key layout
//!
//! `{p}` is the prefix (`morningai` in production, random in tests). A queue
//! name always comes last in a key, after parts that contain no `:`, so a queue
//! named `a:b` cannot collide with another key.
//!
//! | key                        | type                                 | holds                                   |
//! |----------------------------|--------------------------------------|-----------------------------------------|
//! | `{p}:job:{id}`             | hash, one field per `Job` field      | the job (absent field = `None`; payload and result as JSON) |
//! | `{p}:jobs`                 | zset id → enqueued_at_ms             | every job: listing (newest first), counts |
//! | `{p}:tenant:{tenant}`      | zset id → enqueued_at_ms             | the jobs of one tenant                  |
//! | `{p}:idem:{key}`           | string → id                          | idempotency keys                        |
//! | `{p}:prio:{q}`             | zset priority → -priority            | the priorities that have ready jobs in `q` |
//! | `{p}:ready:{priority}:{q}` | zset id → run_at_ms                  | due jobs of `q` with that priority      |
//! | `{p}:scheduled:{q}`        | zset id → run_at_ms                  | jobs waiting for their time (delayed, retry backoff) |
//! | `{p}:started`              | zset id → lease_expires_ms           | leased jobs of every queue              |
//! | `{p}:failed:{q}`           | zset id → finished_at_ms             | the failed registry                     |
//! | `{p}:canceled:{q}`         | set of ids                           | canceled jobs                           |
//! | `{p}:finished`             | zset `id` or `id:tenant` → result_expires_ms | finished jobs, until purged       |
//! | `{p}:workers`              | hash worker id → `WorkerInfo` JSON   | the worker registry                     |
//! | `{p}:parked:{tenant}:{q}`  | zset id → -priority                  | due jobs of a tenant at its limit, set aside |
//! | `{p}:parkedq:{tenant}`     | set of queue names                   | the queues where the tenant has parked jobs |
//! | `{p}:parkedt:{q}`          | set of tenant ids                    | the tenants with parked jobs in `q`     |
//!
//! Why two levels for ready jobs: claims take the highest priority, then the
//! earliest `run_at_ms`, then the smallest id (as the SQL `ORDER BY`). One
//! double score cannot hold an `i32` priority and a millisecond timestamp
//! exactly (53-bit mantissa), so `{p}:prio:{q}` picks the priority (exact for
//! every `i32`) and its ready zset the job (exact for timestamps below 2^53;
//! equal scores sort by id).
//!
//! A due scheduled job is moved to ready by the next claim on its queue and
//! keeps its status `scheduled` until claimed, as in the database.
//!
//! Fair share: with a tenant limit, a claim that pops a job of a tenant which
//! already has that many jobs started (under an unexpired lease) parks it
//! instead, and takes the next. Each time a job of the tenant stops running
//! (finish, fail, release, reclaim) or one of its ready jobs is canceled, its
//! best parked job of each queue goes back to ready, and while it has parked
//! jobs in a queue its new jobs there are parked too (so they keep their
//! order). A parked job is moved once, not skipped by every claim, so a
//! tenant's backlog costs the claims of others nothing. A tenant with parked
//! jobs has, between running and ready ones, at least its limit; and a claim
//! that finds a queue empty gives parked jobs back to tenants with room (a
//! lease expired before housekeeping ran, a higher limit), so none starves.
//!
//! Finished jobs keep their hash for the result TTL (`PEXPIRE`); their
//! idempotency key expires with them. Entries of expired jobs left in the
//! indexes are removed by `maintain` (the `{p}:finished` member carries the
//! tenant so its index can be cleaned after the hash is gone) and by listing.
//!
//! Scripts build key names from the prefix (ARGV[1]) instead of declaring them
//! in KEYS, so this backend needs a single Redis server (or primary), not a
//! Redis Cluster.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use morningai_core::{now_ms, Job, JobId, JobStatus, NewJob, QueueCount, TenantId, WorkerInfo};
use morningai_store::{JobScope, StoreError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Script, Value};

use crate::backend::{millis, validate, Enqueued, QueueBackend, QueueError, QueueResult};

/// Due scheduled jobs moved to ready per claim, so one claim after a large
/// backlog comes due cannot block Redis for long (the next claims move the rest).
const PROMOTE_BATCH: u32 = 1000;
/// Jobs handled per maintenance script call.
const MAINTAIN_BATCH: u32 = 500;
/// Index entries examined per listing script call.
const SCAN_CHUNK: u32 = 500;

// ---------------------------------------------------------------------------
// Lua scripts
// ---------------------------------------------------------------------------

/// Prepended to every script. ARGV[1] is always the key prefix.
const LUA_LIB: &str = r#"
local P = ARGV[1]
local JOBS, STARTED, FINISHED = P .. ':jobs', P .. ':started', P .. ':finished'
local function job_key(id) return P .. ':job:' .. id end
local function idem_key(key) return P .. ':idem:' .. key end
local function tenant_key(t) return P .. ':tenant:' .. t end
local function prio_key(q) return P .. ':prio:' .. q end
local function ready_key(q, prio) return P .. ':ready:' .. prio .. ':' .. q end
local function scheduled_key(q) return P .. ':scheduled:' .. q end
local function failed_key(q) return P .. ':failed:' .. q end
local function canceled_key(q) return P .. ':canceled:' .. q end
local function parked_key(t, q) return P .. ':parked:' .. t .. ':' .. q end
local function parked_queues_key(t) return P .. ':parkedq:' .. t end
local function parked_tenants_key(q) return P .. ':parkedt:' .. q end

-- An integer as an exact decimal string (tostring keeps only 14 digits).
local function int(x) return string.format('%.0f', x) end

local function ready_add(q, prio, run_at, id)
  redis.call('ZADD', prio_key(q), -tonumber(prio), prio)
  redis.call('ZADD', ready_key(q, prio), run_at, id)
end

-- Whether the job was ready (and is no longer).
local function ready_remove(q, prio, id)
  local rk = ready_key(q, prio)
  local removed = redis.call('ZREM', rk, id) == 1
  if removed and redis.call('EXISTS', rk) == 0 then
    redis.call('ZREM', prio_key(q), prio)
  end
  return removed
end

-- Sets a due job of tenant t aside until one of t's jobs stops running.
local function park(t, q, prio, id)
  redis.call('ZADD', parked_key(t, q), -tonumber(prio), id)
  redis.call('SADD', parked_queues_key(t), q)
  redis.call('SADD', parked_tenants_key(q), t)
end

-- Drops the indexes of t's parked jobs of q once there are none.
local function parked_cleanup(t, q)
  if redis.call('EXISTS', parked_key(t, q)) == 0 then
    redis.call('SREM', parked_queues_key(t), q)
    redis.call('SREM', parked_tenants_key(q), t)
  end
end

-- Removes a job from t's parked jobs of q.
local function unpark_remove(t, q, id)
  if redis.call('ZREM', parked_key(t, q), id) == 1 then parked_cleanup(t, q) end
end

-- Puts t's best parked job of q (highest priority, then lowest id) back in ready.
local function unpark_one(t, q)
  local pk = parked_key(t, q)
  while true do
    local top = redis.call('ZPOPMIN', pk)
    if #top == 0 then break end
    local f = redis.call('HMGET', job_key(top[1]), 'status', 'priority', 'run_at_ms')
    if f[1] == 'queued' or f[1] == 'scheduled' then
      ready_add(q, f[2], f[3], top[1])
      break
    end
    -- a stale entry; take the next
  end
  parked_cleanup(t, q)
end

-- A job of tenant t (or none) stopped running: t's best parked job of each
-- queue gets the slot's chance.
local function slot_freed(t)
  if not t then return end
  for _, q in ipairs(redis.call('SMEMBERS', parked_queues_key(t))) do unpark_one(t, q) end
end

-- Jobs started under an unexpired lease, per tenant.
local function started_per_tenant(now)
  local counts = {}
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', STARTED, now, '+inf')) do
    local t = redis.call('HGET', job_key(id), 'tenant_id')
    if t then counts[t] = (counts[t] or 0) + 1 end
  end
  return counts
end

-- Takes the best ready job of q: highest priority, earliest run_at, lowest id.
local function ready_pop(q)
  local pk = prio_key(q)
  while true do
    local top = redis.call('ZRANGE', pk, 0, 0)
    if #top == 0 then return nil end
    local rk = ready_key(q, top[1])
    local popped = redis.call('ZPOPMIN', rk)
    if redis.call('EXISTS', rk) == 0 then redis.call('ZREM', pk, top[1]) end
    if #popped > 0 then return popped[1] end
  end
end

-- Whether the job is started and leased to worker.
local function owned(key, worker)
  local f = redis.call('HMGET', key, 'status', 'worker_id')
  return f[1] == 'started' and f[2] == worker
end

-- The reply of scripts that return a job: a tag, then the job's fields.
local function tagged(tag, id)
  local reply = redis.call('HGETALL', job_key(id))
  table.insert(reply, 1, tag)
  return reply
end

-- Deletes a job and every trace of it.
local function forget(id, tenant, idem)
  redis.call('DEL', job_key(id))
  redis.call('ZREM', JOBS, id)
  if tenant then redis.call('ZREM', tenant_key(tenant), id) end
  if idem and redis.call('GET', idem_key(idem)) == id then redis.call('DEL', idem_key(idem)) end
end
"#;

/// ARGV: prefix, id, idempotency key or '', queue, priority, status, run_at,
/// enqueued_at, tenant or '', then the job's field/value pairs.
/// Returns `created` or `existing` + fields, or `{conflict}`.
const ENQUEUE_LUA: &str = r#"
local id, idem, q, prio, status = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local run_at, enqueued_at, tenant = ARGV[7], ARGV[8], ARGV[9]
if idem ~= '' then
  local existing = redis.call('GET', idem_key(idem))
  -- A key left behind by a job whose result expired is free again.
  if existing and redis.call('EXISTS', job_key(existing)) == 1 then return tagged('existing', existing) end
end
if redis.call('EXISTS', job_key(id)) == 1 then
  if idem ~= '' then return {'conflict'} end
  return tagged('existing', id)
end
-- No NX needed: the script is atomic, and a stale key must be overwritten.
if idem ~= '' then redis.call('SET', idem_key(idem), id) end
redis.call('HSET', job_key(id), unpack(ARGV, 10))
redis.call('ZADD', JOBS, enqueued_at, id)
if tenant ~= '' then redis.call('ZADD', tenant_key(tenant), enqueued_at, id) end
if status == 'scheduled' then
  redis.call('ZADD', scheduled_key(q), run_at, id)
elseif tenant ~= '' and redis.call('EXISTS', parked_key(tenant, q)) == 1 then
  park(tenant, q, prio, id) -- behind the tenant's parked jobs, in order
else
  ready_add(q, prio, run_at, id)
end
return tagged('created', id)
"#;

/// `claim_job(worker, now, lease expiry, promote batch, tenant limit (0 =
/// none), index of the first queue in ARGV)`: the claimed job's fields, or
/// false. Jobs of tenants at the limit are parked on the way.
const CLAIM_FN: &str = r#"
local function claim_job(worker, now, lease_until, batch, limit, first_queue)
  limit = tonumber(limit)
  local running = nil -- started jobs per tenant, counted when first needed
  local function full(t)
    if not t or limit <= 0 then return false end
    if not running then running = started_per_tenant(now) end
    return (running[t] or 0) >= limit
  end
  -- The best ready job of q that may start; parks those of tenants at the limit.
  local function take(q)
    local id = ready_pop(q)
    while id do
      local f = redis.call('HMGET', job_key(id), 'status', 'tenant_id', 'priority')
      if f[1] == 'queued' or f[1] == 'scheduled' then
        if not full(f[2]) then return id end
        park(f[2], q, f[3], id)
      end
      id = ready_pop(q) -- parked, or a stale entry; take the next
    end
    return nil
  end
  for i = first_queue, #ARGV do
    local q = ARGV[i]
    local sk = scheduled_key(q)
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', sk, '-inf', now, 'LIMIT', 0, batch)) do
      redis.call('ZREM', sk, id)
      local f = redis.call('HMGET', job_key(id), 'priority', 'run_at_ms')
      if f[1] then ready_add(q, f[1], f[2], id) end
    end
    local id = take(q)
    if not id then
      -- Nothing else to do: tenants with room again without a job of theirs
      -- ending (a lease expired before housekeeping, a higher limit) get
      -- their parked jobs back one by one.
      for _, t in ipairs(redis.call('SMEMBERS', parked_tenants_key(q))) do
        if not full(t) then unpark_one(t, q) end
      end
      id = take(q)
    end
    if id then
      local key = job_key(id)
      local attempts = tonumber(redis.call('HGET', key, 'attempts'))
      redis.call('HSET', key, 'status', 'started', 'attempts', int(attempts + 1),
        'worker_id', worker, 'started_at_ms', now, 'lease_expires_ms', lease_until)
      redis.call('ZADD', STARTED, lease_until, id)
      return redis.call('HGETALL', key)
    end
  end
  return false
end
"#;

/// ARGV: prefix, worker, now, lease expiry, promote batch, tenant limit,
/// queues... Returns the claimed job's fields, or nil.
const CLAIM_LUA: &str = r#"
return claim_job(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], 7)
"#;

/// ARGV: prefix, id, worker, lease expiry. Returns 1 if renewed.
const RENEW_LUA: &str = r#"
local id, lease_until = ARGV[2], ARGV[4]
if not owned(job_key(id), ARGV[3]) then return 0 end
redis.call('HSET', job_key(id), 'lease_expires_ms', lease_until)
redis.call('ZADD', STARTED, lease_until, id)
return 1
"#;

/// `finish_job(id, worker, result JSON, now)`: 1 if finished.
const FINISH_FN: &str = r#"
local function finish_job(id, worker, result, now)
  local key = job_key(id)
  if not owned(key, worker) then return 0 end
  local f = redis.call('HMGET', key, 'result_ttl_ms', 'tenant_id', 'idempotency_key')
  local ttl = tonumber(f[1])
  redis.call('ZREM', STARTED, id)
  slot_freed(f[2])
  if ttl <= 0 then
    forget(id, f[2], f[3])
    return 1
  end
  -- Clamped to 2^53 ms (~285,000 years) so the numbers stay exact.
  ttl = math.min(ttl, 2 ^ 53)
  local expires = int(math.min(tonumber(now) + ttl, 2 ^ 53))
  redis.call('HSET', key, 'status', 'finished', 'result', result, 'finished_at_ms', now,
    'result_expires_ms', expires)
  redis.call('HDEL', key, 'lease_expires_ms')
  redis.call('PEXPIRE', key, int(ttl))
  if f[3] and redis.call('GET', idem_key(f[3])) == id then redis.call('PEXPIRE', idem_key(f[3]), int(ttl)) end
  local member = id
  if f[2] then member = id .. ':' .. f[2] end
  redis.call('ZADD', FINISHED, expires, member)
  return 1
end
"#;

/// ARGV: prefix, id, worker, result JSON, now. Returns 1 if finished.
const FINISH_LUA: &str = r#"
return finish_job(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
"#;

/// ARGV: prefix, id, worker, result JSON, now, lease expiry, promote batch,
/// tenant limit, queues... Returns {1 if finished else 0, the next job's
/// fields...}.
const FINISH_CLAIM_LUA: &str = r#"
local finished = finish_job(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
local job = claim_job(ARGV[3], ARGV[5], ARGV[6], ARGV[7], ARGV[8], 9)
if not job then return {finished} end
table.insert(job, 1, finished)
return job
"#;

/// ARGV: prefix, id, worker, error, now, retry_at or ''. Returns 1 if recorded.
const FAIL_LUA: &str = r#"
local id, err, now, retry_at = ARGV[2], ARGV[4], ARGV[5], ARGV[6]
local key = job_key(id)
if not owned(key, ARGV[3]) then return 0 end
local q, tenant = unpack(redis.call('HMGET', key, 'queue', 'tenant_id'))
redis.call('ZREM', STARTED, id)
slot_freed(tenant)
if retry_at ~= '' then
  redis.call('HSET', key, 'status', 'scheduled', 'run_at_ms', retry_at, 'last_error', err)
  redis.call('HDEL', key, 'worker_id', 'lease_expires_ms')
  redis.call('ZADD', scheduled_key(q), retry_at, id)
else
  -- As in the database, a failed job keeps its worker_id (who failed it).
  redis.call('HSET', key, 'status', 'failed', 'finished_at_ms', now, 'last_error', err)
  redis.call('HDEL', key, 'lease_expires_ms')
  redis.call('ZADD', failed_key(q), now, id)
end
return 1
"#;

/// ARGV: prefix, id, worker. Returns 1 if released.
const RELEASE_LUA: &str = r#"
local id = ARGV[2]
local key = job_key(id)
if not owned(key, ARGV[3]) then return 0 end
local f = redis.call('HMGET', key, 'queue', 'priority', 'run_at_ms', 'attempts', 'tenant_id')
redis.call('ZREM', STARTED, id)
redis.call('HSET', key, 'status', 'queued', 'attempts', int(tonumber(f[4]) - 1))
redis.call('HDEL', key, 'worker_id', 'lease_expires_ms', 'started_at_ms')
ready_add(f[1], f[2], f[3], id)
slot_freed(f[5])
return 1
"#;

/// ARGV: prefix, id, tenant or '' (system scope), now. Returns `ok` + fields,
/// `{not_found}` or `{invalid, status}`.
const CANCEL_LUA: &str = r#"
local id, tenant, now = ARGV[2], ARGV[3], ARGV[4]
local key = job_key(id)
local f = redis.call('HMGET', key, 'status', 'queue', 'priority', 'tenant_id')
if not f[1] or (tenant ~= '' and f[4] ~= tenant) then return {'not_found'} end
if f[1] ~= 'queued' and f[1] ~= 'scheduled' then return {'invalid', f[1]} end
local was_ready = ready_remove(f[2], f[3], id)
redis.call('ZREM', scheduled_key(f[2]), id)
if f[4] then
  unpark_remove(f[4], f[2], id)
  -- The tenant has one ready job fewer: a parked one takes its place.
  if was_ready then unpark_one(f[4], f[2]) end
end
redis.call('HSET', key, 'status', 'canceled', 'finished_at_ms', now)
redis.call('SADD', canceled_key(f[2]), id)
return tagged('ok', id)
"#;

/// ARGV and reply as for cancel.
const REQUEUE_LUA: &str = r#"
local id, tenant, now = ARGV[2], ARGV[3], ARGV[4]
local key = job_key(id)
local f = redis.call('HMGET', key, 'status', 'queue', 'priority', 'tenant_id')
if not f[1] or (tenant ~= '' and f[4] ~= tenant) then return {'not_found'} end
if f[1] ~= 'failed' and f[1] ~= 'canceled' then return {'invalid', f[1]} end
redis.call('ZREM', failed_key(f[2]), id)
redis.call('SREM', canceled_key(f[2]), id)
redis.call('HSET', key, 'status', 'queued', 'attempts', '0', 'run_at_ms', now)
redis.call('HDEL', key, 'worker_id', 'started_at_ms', 'finished_at_ms', 'lease_expires_ms')
ready_add(f[2], f[3], now, id)
return tagged('ok', id)
"#;

/// ARGV: prefix, now, batch. Moves jobs whose lease expired back to ready, or
/// to failed with no attempts left. Returns {reclaimed, failed, examined}.
const REAP_LUA: &str = r#"
local now, batch = ARGV[2], ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', STARTED, '-inf', '(' .. now, 'LIMIT', 0, batch)
local reclaimed, failed = 0, 0
for _, id in ipairs(ids) do
  local key = job_key(id)
  local f = redis.call('HMGET', key, 'status', 'lease_expires_ms', 'attempts', 'max_attempts',
    'queue', 'priority', 'run_at_ms', 'tenant_id')
  redis.call('ZREM', STARTED, id)
  if f[1] == 'started' and f[2] then
    if tonumber(f[2]) >= tonumber(now) then
      redis.call('ZADD', STARTED, f[2], id) -- the index was stale; the hash is the truth
    else
      redis.call('HSET', key, 'last_error', 'worker lost: its lease expired during attempt ' .. f[3])
      redis.call('HDEL', key, 'worker_id', 'lease_expires_ms')
      if tonumber(f[3]) >= tonumber(f[4]) then
        redis.call('HSET', key, 'status', 'failed', 'finished_at_ms', now)
        redis.call('ZADD', failed_key(f[5]), now, id)
        failed = failed + 1
      else
        redis.call('HSET', key, 'status', 'queued')
        redis.call('HDEL', key, 'finished_at_ms')
        ready_add(f[5], f[6], f[7], id)
        reclaimed = reclaimed + 1
      end
      slot_freed(f[8])
    end
  end
end
return {reclaimed, failed, #ids}
"#;

/// ARGV: prefix, now, batch. Deletes finished jobs whose result expired (the
/// hash may be gone already) and their index entries. Returns how many
/// entries it examined.
const PURGE_LUA: &str = r#"
local now, batch = ARGV[2], ARGV[3]
local members = redis.call('ZRANGEBYSCORE', FINISHED, '-inf', now, 'LIMIT', 0, batch)
for _, m in ipairs(members) do
  local id, tenant = m, false
  local sep = string.find(m, ':', 1, true)
  if sep then id, tenant = string.sub(m, 1, sep - 1), string.sub(m, sep + 1) end
  local f = redis.call('HMGET', job_key(id), 'status', 'idempotency_key')
  -- Any other status means the id was enqueued again after the hash expired.
  if not f[1] or f[1] == 'finished' then forget(id, tenant, f[2]) end
  redis.call('ZREM', FINISHED, m)
end
return #members
"#;

/// ARGV: prefix, index key, max score, skip, chunk, mode (`list`|`count`),
/// tenant or '', status or '', queue or '', want. Walks the index newest first
/// from the cursor (max score, how many entries with that score were seen),
/// drops entries whose hash expired, and returns {done, max score, skip,
/// items}: for `list` the matching jobs' fields (at most `want`), for `count`
/// flat {queue, status, count} triples.
const SCAN_LUA: &str = r#"
local index, max, skip, chunk, mode = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local tenant, status, queue, want = ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10])
local entries = redis.call('ZREVRANGEBYSCORE', index, max, '-inf', 'WITHSCORES', 'LIMIT', skip, chunk)
local cursor, seen = max, skip
local found, counts = {}, {}
for i = 1, #entries, 2 do
  local id, score = entries[i], entries[i + 1]
  if score ~= cursor then cursor, seen = score, 0 end
  local key = job_key(id)
  local f = redis.call('HMGET', key, 'status', 'queue', 'tenant_id')
  if not f[1] then
    redis.call('ZREM', index, id) -- its result expired; not counted in `seen`
  else
    seen = seen + 1
    if (tenant == '' or f[3] == tenant) and (status == '' or f[1] == status)
        and (queue == '' or f[2] == queue) then
      if mode == 'list' then
        found[#found + 1] = redis.call('HGETALL', key)
        if #found >= want then return {'0', cursor, tostring(seen), found} end
      else
        local k = f[2] .. '\0' .. f[1]
        if counts[k] then counts[k][3] = counts[k][3] + 1 else counts[k] = {f[2], f[1], 1} end
      end
    end
  end
end
local done = '0'
if #entries < 2 * tonumber(chunk) then done = '1' end
if mode == 'count' then
  for _, c in pairs(counts) do
    found[#found + 1] = c[1]; found[#found + 1] = c[2]; found[#found + 1] = tostring(c[3])
  end
end
return {done, cursor, tostring(seen), found}
"#;

fn lua(body: &str) -> Script {
    Script::new(&[LUA_LIB, FINISH_FN, CLAIM_FN, body].concat())
}

static ENQUEUE: LazyLock<Script> = LazyLock::new(|| lua(ENQUEUE_LUA));
static CLAIM: LazyLock<Script> = LazyLock::new(|| lua(CLAIM_LUA));
static RENEW: LazyLock<Script> = LazyLock::new(|| lua(RENEW_LUA));
static FINISH: LazyLock<Script> = LazyLock::new(|| lua(FINISH_LUA));
static FINISH_CLAIM: LazyLock<Script> = LazyLock::new(|| lua(FINISH_CLAIM_LUA));
static FAIL: LazyLock<Script> = LazyLock::new(|| lua(FAIL_LUA));
static RELEASE: LazyLock<Script> = LazyLock::new(|| lua(RELEASE_LUA));
static CANCEL: LazyLock<Script> = LazyLock::new(|| lua(CANCEL_LUA));
static REQUEUE: LazyLock<Script> = LazyLock::new(|| lua(REQUEUE_LUA));
static REAP: LazyLock<Script> = LazyLock::new(|| lua(REAP_LUA));
static PURGE: LazyLock<Script> = LazyLock::new(|| lua(PURGE_LUA));
static SCAN: LazyLock<Script> = LazyLock::new(|| lua(SCAN_LUA));

// ---------------------------------------------------------------------------
// The backend
// ---------------------------------------------------------------------------

/// Jobs in Redis, for several machines.
#[derive(Clone)]
pub struct RedisQueue {
    /// Reconnects by itself: a command that fails because the connection
    /// dropped returns its error (the worker retries), and starts a reconnect
    /// the following commands wait for.
    conn: ConnectionManager,
    prefix: String,
    /// Fair share: see [`RedisQueue::with_tenant_concurrency`]; 0 = none.
    tenant_limit: u32,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("prefix", &self.prefix)
            .field("tenant_limit", &self.tenant_limit)
            .finish_non_exhaustive()
    }
}

impl RedisQueue {
    /// Drops registry entries silent for [`crate::backend::FORGET_WORKERS_AFTER`].
    /// A worker that heartbeats between the read and the delete registers
    /// again on its next heartbeat, so the race costs nothing.
    async fn forget_silent_workers(&self, now: i64) -> QueueResult<()> {
        let cutoff = now - crate::backend::FORGET_WORKERS_AFTER.as_millis() as i64;
        let silent: Vec<String> = self
            .workers()
            .await?
            .into_iter()
            .filter(|w| w.last_heartbeat_ms < cutoff)
            .map(|w| w.id)
            .collect();
        if !silent.is_empty() {
            redis::cmd("HDEL")
                .arg(self.key("workers"))
                .arg(&silent)
                .query_async::<()>(&mut self.conn())
                .await?;
            tracing::info!(forgotten = silent.len(), "forgot workers silent for a day");
        }
        Ok(())
    }

    /// Connects to `url` (`redis://…`); every key starts with `{prefix}:`.
    /// Fails if Redis does not answer.
    pub async fn connect(url: &str, prefix: &str) -> QueueResult<RedisQueue> {
        let queue = Self::connect_lazy(url, prefix)?;
        queue.ping().await?;
        Ok(queue)
    }

    /// Like [`connect`](Self::connect) but connects on first use, so a server
    /// can start while Redis is down (the outbox holds jobs meanwhile): until
    /// Redis answers, every call returns an error. Needs a Tokio runtime.
    pub fn connect_lazy(url: &str, prefix: &str) -> QueueResult<RedisQueue> {
        if prefix.is_empty() {
            return Err(QueueError::Invalid(
                "the Redis key prefix must not be empty".into(),
            ));
        }
        let client = redis::Client::open(url)?;
        // Fail fast while Redis is down (callers retry) rather than holding
        // commands through a long reconnect backoff.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(1));
        let conn = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(RedisQueue {
            conn,
            prefix: prefix.to_owned(),
            tenant_limit: 0,
        })
    }

    /// Fair share: claims pass over (park) jobs of a tenant that already has
    /// `limit` jobs started (under an unexpired lease, on any worker), so one
    /// tenant's backlog cannot take every worker. Jobs without a tenant are
    /// not limited. `None` (or 0) means no limit.
    pub fn with_tenant_concurrency(mut self, limit: Option<u32>) -> Self {
        self.tenant_limit = limit.unwrap_or(0);
        self
    }

    pub async fn ping(&self) -> QueueResult<()> {
        redis::cmd("PING")
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    /// A handle for one command (cheap: the connection is shared).
    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.prefix)
    }

    /// Runs cancel or requeue, which share a reply shape.
    async fn transition(
        &self,
        script: &Script,
        scope: JobScope,
        id: JobId,
        allowed: &str,
    ) -> QueueResult<Job> {
        let reply = script
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(id.to_string())
            .arg(scope_tenant(scope))
            .arg(now_ms())
            .invoke_async(&mut self.conn())
            .await?;
        let (tag, rest) = tagged(reply)?;
        match tag.as_str() {
            "ok" => parse_job(rest),
            "not_found" => Err(QueueError::NotFound),
            "invalid" => {
                let status = rest
                    .into_iter()
                    .next()
                    .map(text)
                    .transpose()?
                    .unwrap_or_default();
                Err(QueueError::InvalidState(format!(
                    "the job is {status}; only {allowed} jobs can be changed this way"
                )))
            }
            other => Err(unexpected(other)),
        }
    }

    /// One call of the scan script: the next chunk of the scope's index,
    /// newest first, from `cursor` (which it advances). Each call is atomic and
    /// short, so a long listing never blocks Redis for long. Returns whether
    /// the index is exhausted, and the items (see `SCAN_LUA`).
    async fn scan_chunk(
        &self,
        cursor: &mut ScanCursor,
        filter: &ScanFilter<'_>,
        want: usize,
    ) -> QueueResult<(bool, Vec<Value>)> {
        let reply: Value = SCAN
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(&cursor.index)
            .arg(&cursor.max)
            .arg(&cursor.skip)
            .arg(SCAN_CHUNK)
            .arg(filter.mode)
            .arg(scope_tenant(filter.scope))
            .arg(filter.status.map_or("", JobStatus::as_str))
            .arg(filter.queue.unwrap_or(""))
            .arg(want)
            .invoke_async(&mut self.conn())
            .await?;
        let mut parts = array(reply)?.into_iter();
        let mut next = || parts.next().ok_or_else(|| unexpected("a short scan reply"));
        let done = text(next()?)? == "1";
        cursor.max = text(next()?)?;
        cursor.skip = text(next()?)?;
        Ok((done, array(next()?)?))
    }

    fn cursor(&self, scope: JobScope) -> ScanCursor {
        let index = match scope {
            JobScope::System => self.key("jobs"),
            JobScope::Tenant(t) => self.key(&format!("tenant:{t}")),
        };
        ScanCursor {
            index,
            max: "+inf".to_owned(),
            skip: "0".to_owned(),
        }
    }
}

/// Where a scan of a job index is: below score `max`, `skip` entries with
/// that score already seen.
struct ScanCursor {
    index: String,
    max: String,
    skip: String,
}

struct ScanFilter<'a> {
    /// `list` or `count`.
    mode: &'static str,
    scope: JobScope,
    status: Option<JobStatus>,
    queue: Option<&'a str>,
}

#[async_trait]
impl QueueBackend for RedisQueue {
    fn name(&self) -> &'static str {
        "redis"
    }

    async fn enqueue(&self, new: NewJob) -> QueueResult<Enqueued> {
        validate(&new)?;
        let now = now_ms();
        let run_at = new.run_at_ms.unwrap_or(now);
        let status = if run_at > now {
            JobStatus::Scheduled
        } else {
            JobStatus::Queued
        };
        let job = Job {
            id: new.id,
            queue: new.queue,
            kind: new.kind,
            payload: new.payload,
            priority: new.priority,
            status,
            attempts: 0,
            max_attempts: new.max_attempts,
            timeout_ms: new.timeout_ms,
            result_ttl_ms: new.result_ttl_ms,
            enqueued_at_ms: now,
            run_at_ms: run_at,
            started_at_ms: None,
            finished_at_ms: None,
            lease_expires_ms: None,
            worker_id: None,
            result: None,
            result_expires_ms: None,
            last_error: None,
            idempotency_key: new.idempotency_key,
            tenant_id: new.tenant_id,
        };
        let mut call = ENQUEUE.prepare_invoke();
        call.arg(&self.prefix)
            .arg(job.id.to_string())
            .arg(job.idempotency_key.as_deref().unwrap_or(""))
            .arg(&job.queue)
            .arg(job.priority)
            .arg(status.as_str())
            .arg(run_at)
            .arg(now)
            .arg(job.tenant_id.map(|t| t.to_string()).unwrap_or_default());
        for (field, value) in job_fields(&job)? {
            call.arg(field).arg(value);
        }
        let (tag, rest) = tagged(call.invoke_async(&mut self.conn()).await?)?;
        match tag.as_str() {
            "created" => Ok(Enqueued {
                job: parse_job(rest)?,
                created: true,
            }),
            "existing" => Ok(Enqueued {
                job: parse_job(rest)?,
                created: false,
            }),
            // The id is taken by a job with another (or no) idempotency key.
            "conflict" => Err(QueueError::Store(StoreError::Conflict(
                "a job with this id",
            ))),
            other => Err(unexpected(other)),
        }
    }

    async fn claim(
        &self,
        queues: &[String],
        worker: &str,
        lease: Duration,
    ) -> QueueResult<Option<Job>> {
        if queues.is_empty() {
            return Ok(None);
        }
        let now = now_ms();
        let reply: Value = CLAIM
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(worker)
            .arg(now)
            .arg(now.saturating_add(millis(lease)))
            .arg(PROMOTE_BATCH)
            .arg(self.tenant_limit)
            .arg(queues)
            .invoke_async(&mut self.conn())
            .await?;
        match reply {
            Value::Nil => Ok(None),
            reply => parse_job(array(reply)?).map(Some),
        }
    }

    async fn renew_lease(&self, id: JobId, worker: &str, lease: Duration) -> QueueResult<bool> {
        let renewed: i64 = RENEW
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(id.to_string())
            .arg(worker)
            .arg(now_ms().saturating_add(millis(lease)))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(renewed == 1)
    }

    async fn finish(
        &self,
        id: JobId,
        worker: &str,
        result: serde_json::Value,
    ) -> QueueResult<bool> {
        let result = serde_json::to_string(&result)
            .map_err(|e| QueueError::Invalid(format!("result: {e}")))?;
        let finished: i64 = FINISH
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(id.to_string())
            .arg(worker)
            .arg(result)
            .arg(now_ms())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(finished == 1)
    }

    async fn finish_and_claim(
        &self,
        id: JobId,
        worker: &str,
        result: serde_json::Value,
        queues: &[String],
        lease: Duration,
    ) -> QueueResult<(bool, Option<Job>)> {
        if queues.is_empty() {
            return Ok((self.finish(id, worker, result).await?, None));
        }
        let result = serde_json::to_string(&result)
            .map_err(|e| QueueError::Invalid(format!("result: {e}")))?;
        let now = now_ms();
        let reply: Value = FINISH_CLAIM
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(id.to_string())
            .arg(worker)
            .arg(result)
            .arg(now)
            .arg(now.saturating_add(millis(lease)))
            .arg(PROMOTE_BATCH)
            .arg(self.tenant_limit)
            .arg(queues)
            .invoke_async(&mut self.conn())
            .await?;
        let mut fields = array(reply)?;
        if fields.is_empty() {
            return Err(QueueError::Invalid(
                "empty reply from finish-and-claim".into(),
            ));
        }
        let finished = matches!(fields.remove(0), Value::Int(1));
        let next = if fields.is_empty() {
            None
        } else {
            Some(parse_job(fields)?)
        };
        Ok((finished, next))
    }

    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> QueueResult<bool> {
        let failed: i64 = FAIL
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(id.to_string())
            .arg(worker)
            .arg(error)
            .arg(now_ms())
            .arg(retry_at_ms.map(|at| at.to_string()).unwrap_or_default())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(failed == 1)
    }

    async fn release(&self, id: JobId, worker: &str) -> QueueResult<bool> {
        let released: i64 = RELEASE
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(id.to_string())
            .arg(worker)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(released == 1)
    }

    async fn cancel(&self, scope: JobScope, id: JobId) -> QueueResult<Job> {
        self.transition(&CANCEL, scope, id, "queued or scheduled")
            .await
    }

    async fn requeue(&self, scope: JobScope, id: JobId) -> QueueResult<Job> {
        self.transition(&REQUEUE, scope, id, "failed or canceled")
            .await
    }

    async fn job(&self, scope: JobScope, id: JobId) -> QueueResult<Option<Job>> {
        let fields: Value = redis::cmd("HGETALL")
            .arg(self.key(&format!("job:{id}")))
            .query_async(&mut self.conn())
            .await?;
        let fields = array(fields)?;
        if fields.is_empty() {
            return Ok(None);
        }
        let job = parse_job(fields)?;
        Ok(in_scope(scope, &job).then_some(job))
    }

    async fn jobs(
        &self,
        scope: JobScope,
        status: Option<JobStatus>,
        queue: Option<&str>,
        limit: usize,
    ) -> QueueResult<Vec<Job>> {
        let filter = ScanFilter {
            mode: "list",
            scope,
            status,
            queue,
        };
        let mut cursor = self.cursor(scope);
        let mut jobs: Vec<Job> = Vec::new();
        // An entry read twice (ties at a chunk edge) is listed once.
        let mut ids = HashSet::new();
        while jobs.len() < limit {
            let (done, found) = self
                .scan_chunk(&mut cursor, &filter, limit - jobs.len())
                .await?;
            for fields in found {
                let job = parse_job(array(fields)?)?;
                if in_scope(scope, &job) && ids.insert(job.id) && jobs.len() < limit {
                    jobs.push(job);
                }
            }
            if done {
                break;
            }
        }
        Ok(jobs)
    }

    async fn counts(&self, scope: JobScope) -> QueueResult<Vec<QueueCount>> {
        let filter = ScanFilter {
            mode: "count",
            scope,
            status: None,
            queue: None,
        };
        let mut cursor = self.cursor(scope);
        // Keyed by (queue, status string): the order the result must have.
        let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
        loop {
            let (done, triples) = self.scan_chunk(&mut cursor, &filter, 0).await?;
            let mut values = triples.into_iter().map(text);
            while let (Some(queue), Some(status), Some(n)) =
                (values.next(), values.next(), values.next())
            {
                let n: i64 = n?.parse().map_err(|_| unexpected("a count"))?;
                *counts.entry((queue?, status?)).or_default() += n;
            }
            if done {
                break;
            }
        }
        counts
            .into_iter()
            .map(|((queue, status), count)| {
                Ok(QueueCount {
                    queue,
                    status: parse_status(&status)?,
                    count,
                })
            })
            .collect()
    }

    async fn maintain(&self) -> QueueResult<()> {
        let now = now_ms();
        let (mut reclaimed, mut failed) = (0i64, 0i64);
        loop {
            let (r, f, examined): (i64, i64, u32) = REAP
                .prepare_invoke()
                .arg(&self.prefix)
                .arg(now)
                .arg(MAINTAIN_BATCH)
                .invoke_async(&mut self.conn())
                .await?;
            reclaimed += r;
            failed += f;
            if examined < MAINTAIN_BATCH {
                break;
            }
        }
        if reclaimed + failed > 0 {
            tracing::warn!(
                reclaimed,
                failed,
                "reclaimed jobs whose worker lost its lease"
            );
        }
        loop {
            let examined: u32 = PURGE
                .prepare_invoke()
                .arg(&self.prefix)
                .arg(now)
                .arg(MAINTAIN_BATCH)
                .invoke_async(&mut self.conn())
                .await?;
            if examined < MAINTAIN_BATCH {
                break;
            }
        }
        self.forget_silent_workers(now).await
    }

    async fn register_worker(&self, worker: &WorkerInfo) -> QueueResult<()> {
        // Like the database's upsert: a heartbeat updates queues, heartbeat
        // and current jobs; host, pid and start time stay as first registered.
        // Not atomic, which is fine: only the worker itself writes its entry.
        let key = self.key("workers");
        let mut info = worker.clone();
        let existing: Option<String> = redis::cmd("HGET")
            .arg(&key)
            .arg(&worker.id)
            .query_async(&mut self.conn())
            .await?;
        if let Some(old) = existing
            .as_deref()
            .and_then(|json| serde_json::from_str::<WorkerInfo>(json).ok())
        {
            info.host = old.host;
            info.pid = old.pid;
            info.started_at_ms = old.started_at_ms;
        }
        let json = serde_json::to_string(&info)
            .map_err(|e| QueueError::Invalid(format!("worker: {e}")))?;
        redis::cmd("HSET")
            .arg(&key)
            .arg(&worker.id)
            .arg(json)
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    async fn unregister_worker(&self, id: &str) -> QueueResult<()> {
        redis::cmd("HDEL")
            .arg(self.key("workers"))
            .arg(id)
            .query_async::<()>(&mut self.conn())
            .await?;
        Ok(())
    }

    async fn workers(&self) -> QueueResult<Vec<WorkerInfo>> {
        let all: Vec<String> = redis::cmd("HVALS")
            .arg(self.key("workers"))
            .query_async(&mut self.conn())
            .await?;
        let mut workers = all
            .iter()
            .map(|json| {
                serde_json::from_str::<WorkerInfo>(json)
                    .map_err(|e| QueueError::Corrupt(format!("worker: {e}")))
            })
            .collect::<QueueResult<Vec<_>>>()?;
        workers.sort_by(|a, b| (a.started_at_ms, &a.id).cmp(&(b.started_at_ms, &b.id)));
        Ok(workers)
    }
}

// ---------------------------------------------------------------------------
// Encoding jobs as hashes, and reading script replies
// ---------------------------------------------------------------------------

/// The tenant a scope is limited to, as the scripts take it ('' = system).
fn scope_tenant(scope: JobScope) -> String {
    match scope {
        JobScope::System => String::new(),
        JobScope::Tenant(t) => t.to_string(),
    }
}

/// A tenant sees only its own jobs; a job without a tenant is system-only.
fn in_scope(scope: JobScope, job: &Job) -> bool {
    match scope {
        JobScope::System => true,
        JobScope::Tenant(t) => job.tenant_id == Some(t),
    }
}

/// The hash fields of a job; `None` fields are left out.
fn job_fields(job: &Job) -> QueueResult<Vec<(&'static str, String)>> {
    let json = |v: &serde_json::Value| {
        serde_json::to_string(v).map_err(|e| QueueError::Invalid(format!("payload: {e}")))
    };
    let mut fields = vec![
        ("id", job.id.to_string()),
        ("queue", job.queue.clone()),
        ("kind", job.kind.clone()),
        ("payload", json(&job.payload)?),
        ("priority", job.priority.to_string()),
        ("status", job.status.as_str().to_owned()),
        ("attempts", job.attempts.to_string()),
        ("max_attempts", job.max_attempts.to_string()),
        ("timeout_ms", job.timeout_ms.to_string()),
        ("result_ttl_ms", job.result_ttl_ms.to_string()),
        ("enqueued_at_ms", job.enqueued_at_ms.to_string()),
        ("run_at_ms", job.run_at_ms.to_string()),
    ];
    let optional = [
        ("started_at_ms", job.started_at_ms.map(|v| v.to_string())),
        ("finished_at_ms", job.finished_at_ms.map(|v| v.to_string())),
        (
            "lease_expires_ms",
            job.lease_expires_ms.map(|v| v.to_string()),
        ),
        ("worker_id", job.worker_id.clone()),
        ("result", job.result.as_ref().map(json).transpose()?),
        (
            "result_expires_ms",
            job.result_expires_ms.map(|v| v.to_string()),
        ),
        ("last_error", job.last_error.clone()),
        ("idempotency_key", job.idempotency_key.clone()),
        ("tenant_id", job.tenant_id.map(|t| t.to_string())),
    ];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name, v))),
    );
    Ok(fields)
}

/// A job from its hash fields (flat field/value pairs, as HGETALL returns).
fn parse_job(pairs: Vec<Value>) -> QueueResult<Job> {
    if pairs.len() % 2 != 0 {
        return Err(QueueError::Corrupt("odd number of job hash fields".into()));
    }
    let mut map = HashMap::with_capacity(pairs.len() / 2);
    let mut pairs = pairs.into_iter();
    while let (Some(name), Some(value)) = (pairs.next(), pairs.next()) {
        map.insert(text(name)?, text(value)?);
    }
    let fields = Fields(map);
    Ok(Job {
        id: fields.parse("id")?,
        queue: fields.required("queue")?.to_owned(),
        kind: fields.required("kind")?.to_owned(),
        payload: fields
            .json("payload")?
            .ok_or_else(|| fields.missing("payload"))?,
        priority: fields.parse("priority")?,
        status: parse_status(fields.required("status")?)?,
        attempts: fields.parse("attempts")?,
        max_attempts: fields.parse("max_attempts")?,
        timeout_ms: fields.parse("timeout_ms")?,
        result_ttl_ms: fields.parse("result_ttl_ms")?,
        enqueued_at_ms: fields.parse("enqueued_at_ms")?,
        run_at_ms: fields.parse("run_at_ms")?,
        started_at_ms: fields.optional("started_at_ms")?,
        finished_at_ms: fields.optional("finished_at_ms")?,
        lease_expires_ms: fields.optional("lease_expires_ms")?,
        worker_id: fields.0.get("worker_id").cloned(),
        result: fields.json("result")?,
        result_expires_ms: fields.optional("result_expires_ms")?,
        last_error: fields.0.get("last_error").cloned(),
        idempotency_key: fields.0.get("idempotency_key").cloned(),
        tenant_id: fields.optional::<TenantId>("tenant_id")?,
    })
}

/// A job hash being decoded; errors name the job and the field.
struct Fields(HashMap<String, String>);

impl Fields {
    fn missing(&self, name: &str) -> QueueError {
        let id = self.0.get("id").map_or("?", String::as_str);
        QueueError::Corrupt(format!("job {id}: missing field `{name}`"))
    }

    fn invalid(&self, name: &str, value: &str) -> QueueError {
        let id = self.0.get("id").map_or("?", String::as_str);
        QueueError::Corrupt(format!("job {id}: field `{name}` is invalid: {value:?}"))
    }

    fn required(&self, name: &str) -> QueueResult<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| self.missing(name))
    }

    fn optional<T: std::str::FromStr>(&self, name: &str) -> QueueResult<Option<T>> {
        self.0
            .get(name)
            .map(|v| v.parse().map_err(|_| self.invalid(name, v)))
            .transpose()
    }

    fn parse<T: std::str::FromStr>(&self, name: &str) -> QueueResult<T> {
        self.optional(name)?.ok_or_else(|| self.missing(name))
    }

    fn json(&self, name: &str) -> QueueResult<Option<serde_json::Value>> {
        self.0
            .get(name)
            .map(|v| serde_json::from_str(v).map_err(|_| self.invalid(name, v)))
            .transpose()
    }
}

fn parse_status(s: &str) -> QueueResult<JobStatus> {
    s.parse()
        .map_err(|e: morningai_core::UnknownJobStatus| QueueError::Corrupt(e.to_string()))
}

/// Splits a tagged script reply into its tag and the rest.
fn tagged(reply: Value) -> QueueResult<(String, Vec<Value>)> {
    let mut parts = array(reply)?;
    if parts.is_empty() {
        return Err(unexpected("an empty reply"));
    }
    let tag = text(parts.remove(0))?;
    Ok((tag, parts))
}

fn array(value: Value) -> QueueResult<Vec<Value>> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(QueueError::Corrupt(format!(
            "expected an array from Redis, got {other:?}"
        ))),
    }
}

fn text(value: Value) -> QueueResult<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes)
            .map_err(|_| QueueError::Corrupt("a value that is not UTF-8".into())),
        Value::SimpleString(s) => Ok(s),
        Value::Int(n) => Ok(n.to_string()),
        other => Err(QueueError::Corrupt(format!(
            "expected a string from Redis, got {other:?}"
        ))),
    }
}

fn unexpected(what: &str) -> QueueError {
    QueueError::Corrupt(format!("unexpected reply from a queue script: {what}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    const SYSTEM: JobScope = JobScope::System;

    fn redis_url() -> String {
        std::env::var("REDIS_URL").unwrap_or_else(|_| {
            panic!("REDIS_URL is not set: the Redis backend tests need a server (`make test` sets it up), e.g. REDIS_URL=redis://127.0.0.1:6379")
        })
    }

    /// A queue under a random prefix whose keys are deleted when the test ends
    /// (even when it fails).
    struct Fixture {
        queue: RedisQueue,
        prefix: String,
    }

    impl Fixture {
        async fn new() -> Self {
            let prefix = format!("morningai-test-{}", uuid::Uuid::new_v4().simple());
            let queue = RedisQueue::connect(&redis_url(), &prefix)
                .await
                .expect("connect to REDIS_URL");
            Self { queue, prefix }
        }

        /// A connection of its own, to look at or tamper with the keys.
        async fn raw(&self) -> redis::aio::MultiplexedConnection {
            redis::Client::open(redis_url())
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap()
        }

        async fn get(&self, id: JobId) -> Job {
            self.queue
                .job(SYSTEM, id)
                .await
                .unwrap()
                .expect("job exists")
        }

        async fn zcard(&self, suffix: &str) -> i64 {
            redis::cmd("ZCARD")
                .arg(self.queue.key(suffix))
                .query_async(&mut self.raw().await)
                .await
                .unwrap()
        }

        async fn enqueue(&self, job: NewJob) -> Job {
            let done = self.queue.enqueue(job).await.unwrap();
            assert!(done.created);
            done.job
        }

        /// The id of the tenant's one started job.
        async fn get_started(&self, tenant: TenantId) -> JobId {
            let started = self
                .queue
                .jobs(JobScope::Tenant(tenant), Some(JobStatus::Started), None, 10)
                .await
                .unwrap();
            assert_eq!(started.len(), 1, "{started:?}");
            started[0].id
        }

        async fn claim(&self, queues: &[&str], worker: &str, lease: Duration) -> Option<Job> {
            let queues: Vec<String> = queues.iter().map(|q| q.to_string()).collect();
            self.queue.claim(&queues, worker, lease).await.unwrap()
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let pattern = format!("{}:*", self.prefix);
            // Drop cannot await; a plain connection on a thread does the cleanup.
            std::thread::spawn(move || {
                let mut conn = redis::Client::open(redis_url())
                    .unwrap()
                    .get_connection()
                    .unwrap();
                let mut cursor = 0u64;
                loop {
                    let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(1000)
                        .query(&mut conn)
                        .unwrap();
                    if !keys.is_empty() {
                        redis::cmd("DEL").arg(keys).query::<()>(&mut conn).unwrap();
                    }
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            })
            .join()
            .unwrap();
        }
    }

    fn new_job(queue: &str) -> NewJob {
        NewJob::new(queue, "test", json!({ "n": 1 }))
    }

    fn with_priority(queue: &str, priority: i32) -> NewJob {
        NewJob {
            priority,
            ..new_job(queue)
        }
    }

    const LEASE: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn claims_by_priority_then_run_at_then_queue_order() {
        let f = Fixture::new().await;
        let now = now_ms();
        let low = f.enqueue(with_priority("q", 0)).await;
        let older = f
            .enqueue(NewJob {
                run_at_ms: Some(now - 5_000),
                ..with_priority("q", 5)
            })
            .await;
        let high = f.enqueue(with_priority("q", 10)).await;
        let newer = f
            .enqueue(NewJob {
                run_at_ms: Some(now - 1_000),
                ..with_priority("q", 5)
            })
            .await;
        // Full i32 range: exact, unlike a single score mixing priority and time.
        let max = f.enqueue(with_priority("q", i32::MAX)).await;
        let min = f.enqueue(with_priority("q", i32::MIN)).await;
        let other = f.enqueue(with_priority("other", 100)).await;
        assert_eq!(high.status, JobStatus::Queued);
        assert_eq!(older.run_at_ms, now - 5_000);

        let mut order = Vec::new();
        while let Some(job) = f.claim(&["q", "other"], "w1", LEASE).await {
            assert_eq!(job.status, JobStatus::Started);
            assert_eq!(job.attempts, 1);
            assert_eq!(job.worker_id.as_deref(), Some("w1"));
            assert!(job.lease_expires_ms.unwrap() >= job.started_at_ms.unwrap() + 29_000);
            order.push(job.id);
        }
        // Queues in the order given: all of `q` first, though `other` has a higher priority.
        assert_eq!(
            order,
            [max.id, high.id, older.id, newer.id, low.id, min.id, other.id]
        );
        assert_eq!(f.zcard("started").await, 7);
        assert!(f.claim(&["q"], "w1", LEASE).await.is_none());
        assert!(f.queue.claim(&[], "w1", LEASE).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn equal_priority_and_time_claims_lowest_id_first() {
        let f = Fixture::new().await;
        let at = now_ms() - 1_000;
        let mut ids = Vec::new();
        for _ in 0..5 {
            let job = NewJob {
                id: JobId(uuid::Uuid::new_v4()),
                run_at_ms: Some(at),
                ..new_job("q")
            };
            ids.push(f.enqueue(job).await.id);
        }
        ids.sort();
        let mut claimed = Vec::new();
        while let Some(job) = f.claim(&["q"], "w", LEASE).await {
            claimed.push(job.id);
        }
        assert_eq!(claimed, ids);
    }

    #[tokio::test]
    async fn scheduled_jobs_wait_for_their_time() {
        let f = Fixture::new().await;
        let job = f
            .enqueue(NewJob {
                run_at_ms: Some(now_ms() + 400),
                ..new_job("q")
            })
            .await;
        assert_eq!(job.status, JobStatus::Scheduled);
        assert!(f.claim(&["q"], "w", LEASE).await.is_none());
        assert_eq!(f.get(job.id).await.status, JobStatus::Scheduled);
        tokio::time::sleep(Duration::from_millis(450)).await;
        let claimed = f.claim(&["q"], "w", LEASE).await.expect("due now");
        assert_eq!(
            (claimed.id, claimed.status, claimed.attempts),
            (job.id, JobStatus::Started, 1)
        );
        assert_eq!(f.zcard("scheduled:q").await, 0);
    }

    #[tokio::test]
    async fn concurrent_enqueues_with_one_idempotency_key_make_one_job() {
        let f = Arc::new(Fixture::new().await);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let f = f.clone();
                tokio::spawn(async move {
                    let job = NewJob {
                        idempotency_key: Some("order-42".into()),
                        ..new_job("q")
                    };
                    f.queue.enqueue(job).await.unwrap()
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        assert_eq!(results.iter().filter(|r| r.created).count(), 1);
        let id = results[0].job.id;
        assert!(results
            .iter()
            .all(|r| r.job.id == id && r.job.idempotency_key.as_deref() == Some("order-42")));
        assert_eq!(
            f.queue.jobs(SYSTEM, None, None, 100).await.unwrap().len(),
            1
        );

        // The same id again (an outbox retry) is the same job, not a second one.
        let first = f.get(id).await;
        let again = f
            .queue
            .enqueue(NewJob {
                id,
                idempotency_key: None,
                ..new_job("q")
            })
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.job, first);
        // Its id under another key is a conflict, as in the database.
        let err = f
            .queue
            .enqueue(NewJob {
                id,
                idempotency_key: Some("other".into()),
                ..new_job("q")
            })
            .await;
        assert!(
            matches!(err, Err(QueueError::Store(StoreError::Conflict(_)))),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn invalid_jobs_are_rejected() {
        let f = Fixture::new().await;
        let err = f
            .queue
            .enqueue(NewJob {
                max_attempts: 0,
                ..new_job("q")
            })
            .await
            .unwrap_err();
        assert!(matches!(err, QueueError::Invalid(_)), "{err:?}");
        assert!(f
            .queue
            .jobs(SYSTEM, None, None, 10)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn expired_leases_are_reclaimed_then_failed() {
        let f = Fixture::new().await;
        let job = f
            .enqueue(NewJob {
                max_attempts: 2,
                ..new_job("q")
            })
            .await;
        let short = Duration::from_millis(50);

        f.claim(&["q"], "w1", short).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        f.queue.maintain().await.unwrap();
        let back = f.get(job.id).await;
        assert_eq!(back.status, JobStatus::Queued);
        assert_eq!(
            back.last_error.as_deref(),
            Some("worker lost: its lease expired during attempt 1")
        );
        assert_eq!((back.worker_id, back.lease_expires_ms), (None, None));
        // The lost worker's late report no longer counts.
        assert!(!f.queue.finish(job.id, "w1", json!(1)).await.unwrap());

        // A renewed lease is kept.
        f.claim(&["q"], "w2", short).await.unwrap();
        assert!(f.queue.renew_lease(job.id, "w2", LEASE).await.unwrap());
        assert!(!f.queue.renew_lease(job.id, "w1", LEASE).await.unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
        f.queue.maintain().await.unwrap();
        assert_eq!(f.get(job.id).await.status, JobStatus::Started);

        // With no attempts left, an expired lease fails the job.
        assert!(f.queue.renew_lease(job.id, "w2", short).await.unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
        f.queue.maintain().await.unwrap();
        let failed = f.get(job.id).await;
        assert_eq!((failed.status, failed.attempts), (JobStatus::Failed, 2));
        assert_eq!(
            failed.last_error.as_deref(),
            Some("worker lost: its lease expired during attempt 2")
        );
        assert!(failed.finished_at_ms.is_some());
        assert_eq!(f.zcard("started").await, 0);
        assert_eq!(f.zcard("failed:q").await, 1);
        assert!(f.claim(&["q"], "w3", LEASE).await.is_none());
    }

    #[tokio::test]
    async fn concurrent_maintenance_moves_each_job_once() {
        let f = Arc::new(Fixture::new().await);
        for _ in 0..50 {
            f.enqueue(new_job("q")).await;
        }
        while f
            .claim(&["q"], "w", Duration::from_millis(1))
            .await
            .is_some()
        {}
        tokio::time::sleep(Duration::from_millis(20)).await;
        let runs: Vec<_> = (0..4)
            .map(|_| {
                let f = f.clone();
                tokio::spawn(async move { f.queue.maintain().await.unwrap() })
            })
            .collect();
        for run in runs {
            run.await.unwrap();
        }
        let mut claimed = HashSet::new();
        while let Some(job) = f.claim(&["q"], "w", LEASE).await {
            assert!(claimed.insert(job.id), "claimed twice");
            assert_eq!(job.attempts, 2);
        }
        assert_eq!(claimed.len(), 50);
    }

    #[tokio::test]
    async fn finished_results_expire_with_their_ttl() {
        let f = Fixture::new().await;
        let tenant = TenantId::new();
        let job = f
            .enqueue(NewJob {
                result_ttl_ms: 200,
                idempotency_key: Some("once".into()),
                tenant_id: Some(tenant),
                priority: 0,
                ..new_job("q")
            })
            .await;
        f.claim(&["q"], "w", LEASE).await.unwrap();
        assert!(!f
            .queue
            .finish(job.id, "someone-else", json!(0))
            .await
            .unwrap());
        assert!(f
            .queue
            .finish(job.id, "w", json!({ "ok": true }))
            .await
            .unwrap());
        let done = f.get(job.id).await;
        assert_eq!(done.status, JobStatus::Finished);
        assert_eq!(done.result, Some(json!({ "ok": true })));
        assert_eq!(
            done.result_expires_ms,
            Some(done.finished_at_ms.unwrap() + 200)
        );
        assert_eq!(done.lease_expires_ms, None);
        // A second finish (or anything else leased) no longer applies.
        assert!(!f.queue.finish(job.id, "w", json!(2)).await.unwrap());
        let counts = f.queue.counts(JobScope::Tenant(tenant)).await.unwrap();
        assert_eq!(
            counts,
            [QueueCount {
                queue: "q".into(),
                status: JobStatus::Finished,
                count: 1
            }]
        );

        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(f.queue.job(SYSTEM, job.id).await.unwrap(), None);
        f.queue.maintain().await.unwrap();
        assert_eq!(f.zcard("finished").await, 0);
        assert_eq!(f.zcard("jobs").await, 0);
        assert_eq!(f.zcard(&format!("tenant:{tenant}")).await, 0);
        assert!(f.queue.counts(SYSTEM).await.unwrap().is_empty());
        // Its idempotency key expired with it.
        let again = f
            .queue
            .enqueue(NewJob {
                idempotency_key: Some("once".into()),
                ..new_job("q")
            })
            .await
            .unwrap();
        assert!(again.created);
    }

    #[tokio::test]
    async fn a_zero_result_ttl_keeps_nothing() {
        let f = Fixture::new().await;
        let job = f
            .enqueue(NewJob {
                result_ttl_ms: 0,
                ..new_job("q")
            })
            .await;
        f.claim(&["q"], "w", LEASE).await.unwrap();
        assert!(f.queue.finish(job.id, "w", json!(null)).await.unwrap());
        assert_eq!(f.queue.job(SYSTEM, job.id).await.unwrap(), None);
        assert_eq!(f.zcard("jobs").await, 0);
    }

    #[tokio::test]
    async fn cancel_requeue_fail_and_release_follow_the_states() {
        let f = Fixture::new().await;
        let job = f
            .enqueue(NewJob {
                max_attempts: 5,
                ..new_job("q")
            })
            .await;

        let canceled = f.queue.cancel(SYSTEM, job.id).await.unwrap();
        assert_eq!(canceled.status, JobStatus::Canceled);
        assert!(canceled.finished_at_ms.is_some());
        assert!(f.claim(&["q"], "w", LEASE).await.is_none());
        let err = f.queue.cancel(SYSTEM, job.id).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the job is canceled; only queued or scheduled jobs can be changed this way"
        );

        let requeued = f.queue.requeue(SYSTEM, job.id).await.unwrap();
        assert_eq!(
            (requeued.status, requeued.attempts, requeued.finished_at_ms),
            (JobStatus::Queued, 0, None)
        );
        let err = f.queue.requeue(SYSTEM, job.id).await.unwrap_err();
        assert!(
            matches!(&err, QueueError::InvalidState(m) if m == "the job is queued; only failed or canceled jobs can be changed this way"),
            "{err:?}"
        );

        f.claim(&["q"], "w", LEASE).await.unwrap();
        let err = f.queue.cancel(SYSTEM, job.id).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the job is started; only queued or scheduled jobs can be changed this way"
        );

        // Release gives the attempt back.
        assert!(!f.queue.release(job.id, "other").await.unwrap());
        assert!(f.queue.release(job.id, "w").await.unwrap());
        let released = f.get(job.id).await;
        assert_eq!(
            (released.status, released.attempts, released.started_at_ms),
            (JobStatus::Queued, 0, None)
        );

        // A failed attempt with a retry time is scheduled, and can be canceled.
        f.claim(&["q"], "w", LEASE).await.unwrap();
        let retry_at = now_ms() + 60_000;
        assert!(f
            .queue
            .fail(job.id, "w", "boom", Some(retry_at))
            .await
            .unwrap());
        let retrying = f.get(job.id).await;
        assert_eq!(
            (retrying.status, retrying.run_at_ms),
            (JobStatus::Scheduled, retry_at)
        );
        assert_eq!(
            (retrying.last_error.as_deref(), retrying.worker_id),
            (Some("boom"), None)
        );
        assert!(f.claim(&["q"], "w", LEASE).await.is_none());
        assert_eq!(
            f.queue.cancel(SYSTEM, job.id).await.unwrap().status,
            JobStatus::Canceled
        );
        assert_eq!(f.zcard("scheduled:q").await, 0);

        // Without one it goes to the failed registry.
        f.queue.requeue(SYSTEM, job.id).await.unwrap();
        f.claim(&["q"], "w", LEASE).await.unwrap();
        assert!(f.queue.fail(job.id, "w", "fatal", None).await.unwrap());
        assert!(!f.queue.fail(job.id, "w", "again", None).await.unwrap());
        let failed = f.get(job.id).await;
        assert_eq!(
            (failed.status, failed.last_error.as_deref()),
            (JobStatus::Failed, Some("fatal"))
        );
        assert!(failed.finished_at_ms.is_some());
        assert_eq!(f.zcard("failed:q").await, 1);
        let requeued = f.queue.requeue(SYSTEM, job.id).await.unwrap();
        assert_eq!(requeued.status, JobStatus::Queued);
        assert_eq!(f.zcard("failed:q").await, 0);
        assert_eq!(f.claim(&["q"], "w", LEASE).await.unwrap().id, job.id);

        assert!(matches!(
            f.queue.cancel(SYSTEM, JobId::new()).await,
            Err(QueueError::NotFound)
        ));
        assert!(matches!(
            f.queue.requeue(SYSTEM, JobId::new()).await,
            Err(QueueError::NotFound)
        ));
    }

    #[tokio::test]
    async fn tenants_see_and_change_only_their_own_jobs() {
        let f = Fixture::new().await;
        let (a, b) = (TenantId::new(), TenantId::new());
        let a1 = f
            .enqueue(NewJob {
                tenant_id: Some(a),
                priority: 0,
                ..new_job("q")
            })
            .await;
        let system = f.enqueue(new_job("q")).await;
        let b1 = f
            .enqueue(NewJob {
                tenant_id: Some(b),
                priority: 0,
                ..new_job("other")
            })
            .await;
        let a2 = f
            .enqueue(NewJob {
                tenant_id: Some(a),
                priority: 0,
                ..new_job("other")
            })
            .await;
        let (ta, tb) = (JobScope::Tenant(a), JobScope::Tenant(b));

        let ids = |jobs: Vec<Job>| jobs.into_iter().map(|j| j.id).collect::<Vec<_>>();
        assert_eq!(
            ids(f.queue.jobs(ta, None, None, 10).await.unwrap()),
            [a2.id, a1.id]
        );
        assert_eq!(
            ids(f.queue.jobs(tb, None, None, 10).await.unwrap()),
            [b1.id]
        );
        assert_eq!(
            ids(f.queue.jobs(SYSTEM, None, None, 10).await.unwrap()),
            [a2.id, b1.id, system.id, a1.id]
        );
        assert_eq!(
            ids(f.queue.jobs(SYSTEM, None, None, 2).await.unwrap()),
            [a2.id, b1.id]
        );
        assert_eq!(
            ids(f.queue.jobs(SYSTEM, None, Some("q"), 10).await.unwrap()),
            [system.id, a1.id]
        );
        assert_eq!(
            ids(f.queue.jobs(ta, None, Some("q"), 10).await.unwrap()),
            [a1.id]
        );
        assert!(f
            .queue
            .jobs(SYSTEM, None, None, 0)
            .await
            .unwrap()
            .is_empty());

        assert_eq!(f.queue.job(tb, a1.id).await.unwrap(), None);
        assert_eq!(f.queue.job(ta, system.id).await.unwrap(), None);
        assert_eq!(f.queue.job(ta, a1.id).await.unwrap().unwrap().id, a1.id);
        assert!(matches!(
            f.queue.cancel(tb, a1.id).await,
            Err(QueueError::NotFound)
        ));
        assert!(matches!(
            f.queue.cancel(ta, system.id).await,
            Err(QueueError::NotFound)
        ));
        assert_eq!(
            f.queue.cancel(ta, a1.id).await.unwrap().status,
            JobStatus::Canceled
        );
        assert!(matches!(
            f.queue.requeue(tb, a1.id).await,
            Err(QueueError::NotFound)
        ));

        assert_eq!(
            ids(f
                .queue
                .jobs(ta, Some(JobStatus::Canceled), None, 10)
                .await
                .unwrap()),
            [a1.id]
        );
        assert!(f
            .queue
            .jobs(tb, Some(JobStatus::Canceled), None, 10)
            .await
            .unwrap()
            .is_empty());
        let count = |queue: &str, status, count| QueueCount {
            queue: queue.into(),
            status,
            count,
        };
        assert_eq!(
            f.queue.counts(ta).await.unwrap(),
            [
                count("other", JobStatus::Queued, 1),
                count("q", JobStatus::Canceled, 1)
            ]
        );
        assert_eq!(
            f.queue.counts(SYSTEM).await.unwrap(),
            [
                count("other", JobStatus::Queued, 2),
                count("q", JobStatus::Canceled, 1),
                count("q", JobStatus::Queued, 1)
            ]
        );
    }

    #[tokio::test]
    async fn listing_spans_many_chunks() {
        let f = Fixture::new().await;
        let total = SCAN_CHUNK as usize * 2 + 17;
        let mut same_time = redis::pipe();
        for _ in 0..total {
            let job = f.enqueue(new_job("q")).await;
            // One enqueue time for all: the cursor must page through ties.
            same_time
                .cmd("ZADD")
                .arg(f.queue.key("jobs"))
                .arg(1_000)
                .arg(job.id.to_string());
            same_time
                .cmd("HSET")
                .arg(f.queue.key(&format!("job:{}", job.id)))
                .arg("enqueued_at_ms")
                .arg(1_000);
        }
        same_time
            .query_async::<()>(&mut f.raw().await)
            .await
            .unwrap();
        let all = f.queue.jobs(SYSTEM, None, None, total + 10).await.unwrap();
        assert_eq!(all.len(), total);
        let mut expected: Vec<_> = all.iter().map(|j| j.id).collect();
        expected.sort_by(|a, b| b.cmp(a));
        assert_eq!(
            all.iter().map(|j| j.id).collect::<Vec<_>>(),
            expected,
            "newest first, then id descending"
        );
        let counts = f.queue.counts(SYSTEM).await.unwrap();
        assert_eq!(
            counts,
            [QueueCount {
                queue: "q".into(),
                status: JobStatus::Queued,
                count: total as i64
            }]
        );
    }

    #[tokio::test]
    async fn workers_register_heartbeat_and_leave() {
        let f = Fixture::new().await;
        let worker = |id: &str, started| WorkerInfo {
            id: id.into(),
            host: "h".into(),
            pid: 1,
            queues: vec!["q".into()],
            started_at_ms: started,
            last_heartbeat_ms: started,
            current_jobs: vec![],
        };
        f.queue.register_worker(&worker("b", 20)).await.unwrap();
        f.queue.register_worker(&worker("a", 20)).await.unwrap();
        f.queue.register_worker(&worker("c", 10)).await.unwrap();
        let beat = WorkerInfo {
            last_heartbeat_ms: 99,
            current_jobs: vec![JobId::new()],
            ..worker("b", 50)
        };
        f.queue.register_worker(&beat).await.unwrap();
        let all = f.queue.workers().await.unwrap();
        assert_eq!(
            all.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
            ["c", "a", "b"]
        );
        assert_eq!(
            all[2],
            WorkerInfo {
                started_at_ms: 20,
                ..beat
            }
        );
        f.queue.unregister_worker("a").await.unwrap();
        assert_eq!(f.queue.workers().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn parked_jobs_keep_their_order_and_leave_no_keys_behind() {
        let mut f = Fixture::new().await;
        f.queue = f.queue.clone().with_tenant_concurrency(Some(1));
        let a = TenantId::new();
        let tenant_job = |priority| NewJob {
            priority,
            ..NewJob::for_tenant(a, "q", "test", json!({}))
        };
        let first = f.enqueue(tenant_job(0)).await;
        let low = f.enqueue(tenant_job(-5)).await;
        let canceled = f.enqueue(tenant_job(0)).await;
        assert_eq!(f.claim(&["q"], "w", LEASE).await.unwrap().id, first.id);
        assert!(f.claim(&["q"], "w", LEASE).await.is_none());
        let parked = format!("parked:{a}:q");
        assert_eq!(f.zcard(&parked).await, 2);
        // A new job of a tenant with parked jobs queues behind them, by priority.
        let urgent = f.enqueue(tenant_job(50)).await;
        assert_eq!(f.zcard(&parked).await, 3);
        f.queue
            .cancel(JobScope::Tenant(a), canceled.id)
            .await
            .unwrap();
        assert_eq!(f.zcard(&parked).await, 2);

        for next in [urgent.id, low.id] {
            assert!(f
                .queue
                .finish(f.get_started(a).await, "w", json!(null))
                .await
                .unwrap());
            assert_eq!(f.claim(&["q"], "w", LEASE).await.unwrap().id, next);
        }
        let members = |key: String| {
            let f = &f;
            async move {
                let n: i64 = redis::cmd("SCARD")
                    .arg(f.queue.key(&key))
                    .query_async(&mut f.raw().await)
                    .await
                    .unwrap();
                n
            }
        };
        assert_eq!(f.zcard(&parked).await, 0);
        assert_eq!(members(format!("parkedq:{a}")).await, 0);
        assert_eq!(members("parkedt:q".into()).await, 0);
    }

    #[tokio::test]
    async fn malformed_job_data_is_corrupt() {
        let f = Fixture::new().await;
        let job = f.enqueue(new_job("q")).await;
        let key = f.queue.key(&format!("job:{}", job.id));
        redis::cmd("HSET")
            .arg(&key)
            .arg("status")
            .arg("lost")
            .query_async::<()>(&mut f.raw().await)
            .await
            .unwrap();
        assert!(matches!(
            f.queue.job(SYSTEM, job.id).await,
            Err(QueueError::Corrupt(_))
        ));
        redis::cmd("HDEL")
            .arg(&key)
            .arg("queue")
            .query_async::<()>(&mut f.raw().await)
            .await
            .unwrap();
        let err = f.queue.jobs(SYSTEM, None, None, 10).await.unwrap_err();
        assert!(
            matches!(&err, QueueError::Corrupt(m) if m.contains("queue")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn recovers_after_its_connection_is_killed() {
        let f = Fixture::new().await;
        let job = f.enqueue(new_job("q")).await;
        // Kill only this queue's connection: `CLIENT KILL TYPE normal` would also
        // cut the tests running next to this one.
        let client_id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut f.queue.conn())
            .await
            .unwrap();
        let killed: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(client_id)
            .query_async(&mut f.raw().await)
            .await
            .unwrap();
        assert_eq!(killed, 1);

        // The call that finds the connection dropped gets the error (the worker
        // retries)…
        let first = f.queue.job(SYSTEM, job.id).await;
        assert!(matches!(first, Err(QueueError::Redis(_))), "{first:?}");
        // …and the next one runs on a new connection.
        assert_eq!(
            f.queue.job(SYSTEM, job.id).await.unwrap().unwrap().id,
            job.id
        );
        f.queue.ping().await.unwrap();
        assert_eq!(f.claim(&["q"], "w", LEASE).await.unwrap().id, job.id);
        let new_id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut f.queue.conn())
            .await
            .unwrap();
        assert_ne!(new_id, client_id);
    }
}
