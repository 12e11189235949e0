-- wrk script for scripts/reliability/load.sh: one request type per wrk
-- process, paced to a fixed rate (wrk itself is closed-loop; this paces it).
--
--   wrk -tT -cC -dDs -s load.lua BASE_URL -- TYPE RATE INPUT_FILE OUT_JSON T
--
-- TYPE: login      POST /api/auth/login, INPUT_FILE lines "email<TAB>password"
--       submit     POST /api/tasks (an `echo` task, 1 round, no network),
--                  INPUT_FILE lines: bearer tokens (API keys)
--       list_tasks GET /api/tasks?limit=20, INPUT_FILE: bearer tokens
--       list_repos GET /api/repositories, INPUT_FILE: bearer tokens
--       me         GET /api/auth/me, INPUT_FILE: bearer tokens
-- RATE: requests per second for this process, split across its T threads
-- (T must repeat wrk's -t).
--
-- Pacing: each thread keeps an absolute schedule (start + n / rate) and
-- `delay()` holds each connection's next request until its slot. A slot
-- more than a second late (every connection was busy) is skipped and
-- counted as `missed` rather than sent in a burst, so the achieved rate is
-- reported honestly. wrk measures latency from the write of the request.
--
-- done() writes OUT_JSON: requests, latency percentiles (µs), wrk's socket
-- errors and every status code seen (counted by response()).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } load_timespec;
  int clock_gettime(int clk_id, load_timespec *tp);
]]
local ts = ffi.new("load_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end

-- Per-thread state (each thread has its own Lua state).
kind = nil
out_path = nil
statuses = {}
missed = 0
local inputs = {}
local next_input = 0
local interval_ms
local start_ms
local slot = 0
local seq = 0

local function read_lines(path)
  local lines = {}
  local fh = assert(io.open(path, "r"), "cannot open " .. path)
  for line in fh:lines() do
    if line ~= "" then table.insert(lines, line) end
  end
  fh:close()
  assert(#lines > 0, path .. " is empty")
  return lines
end

function init(args)
  kind = args[1]
  local rate = tonumber(args[2])
  inputs = read_lines(args[3])
  out_path = args[4]
  local n = tonumber(args[5]) or 1
  interval_ms = 1000.0 * n / rate
  -- Threads start at different offsets in the input list (`id` is set by setup()).
  next_input = (tonumber(id) or 1) * 7919
end

local function pick()
  next_input = next_input + 1
  return inputs[(next_input % #inputs) + 1]
end

function delay()
  local now = now_ms()
  if not start_ms then start_ms = now end
  local at = start_ms + slot * interval_ms
  if now - at > 1000 then
    local skip = math.floor((now - at) / interval_ms)
    missed = missed + skip
    slot = slot + skip
    at = start_ms + slot * interval_ms
  end
  slot = slot + 1
  local d = at - now
  if d < 0 then return 0 end
  return math.floor(d)
end

local function bearer(token, extra)
  local h = { ["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json" }
  if extra then for k, v in pairs(extra) do h[k] = v end end
  return h
end

function request()
  seq = seq + 1
  if kind == "login" then
    local email, password = pick():match("^([^\t]+)\t(.+)$")
    local body = string.format('{"email":"%s","password":"%s"}', email, password)
    return wrk.format("POST", "/api/auth/login",
      { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }, body)
  elseif kind == "submit" then
    local body = string.format('{"kind":"echo","input":{"message":"load %d","rounds":1}}', seq)
    return wrk.format("POST", "/api/tasks", bearer(pick(), { ["Content-Type"] = "application/json" }), body)
  elseif kind == "list_tasks" then
    return wrk.format("GET", "/api/tasks?limit=20", bearer(pick()))
  elseif kind == "list_repos" then
    return wrk.format("GET", "/api/repositories", bearer(pick()))
  elseif kind == "me" then
    return wrk.format("GET", "/api/auth/me", bearer(pick()))
  end
  error("unknown request type " .. tostring(kind))
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end

local function json_string(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local merged, total_missed, path, k = {}, 0, nil, nil
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses") or {}) do
      merged[code] = (merged[code] or 0) + n
    end
    total_missed = total_missed + (t:get("missed") or 0)
    path = path or t:get("out_path")
    k = k or t:get("kind")
  end
  local parts = {}
  for code, n in pairs(merged) do table.insert(parts, string.format('%s:%d', json_string(code), n)) end
  local e = summary.errors
  local out = string.format(
    '{"type":%s,"duration_us":%d,"requests":%d,"bytes":%d,"missed_slots":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d},' ..
    '"statuses":{%s}}',
    json_string(k), summary.duration, summary.requests, summary.bytes, total_missed,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    table.concat(parts, ","))
  if path then
    local fh = assert(io.open(path, "w"))
    fh:write(out, "\n")
    fh:close()
  end
  io.write(out, "\n")
end
