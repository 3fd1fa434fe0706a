-- wrk script: a mixed, steady load for scripts/soak. Each wrk thread keeps
-- its own pool of the users it created and cycles through ten requests:
-- two creates, four reads of one user, one PATCH, one list of 10 and two
-- deletes of its oldest users. Deletes turn into creates until the pool
-- holds 100 users, and into reads while its oldest user was created or
-- picked less than 12 s ago, so the store stays near the number of users
-- created in 12 s however long it runs: a growing server is then a leak,
-- not data.
--
--   wrk -t 1 -c 8 -d 60s -s benchmarks/wrk/mixed.lua http://127.0.0.1:8000 -- RUN_ID
--
-- Emails hold RUN_ID, the thread's number and a counter, so they never
-- collide. Reads and updates pick among the 50 newest users and deletes take
-- the oldest, at least 12 s after any request last targeted it: longer than
-- wrk's --timeout of 10 s, so no request targets a user that another one in
-- flight deletes. Any status but 200, 201 and 204 is an error. The last line
-- printed is one JSON object with the results (wrk_common.lua), "errors"
-- and "first_error".

package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("wrk_common")
setup = common.setup

local run_id
local counter = 0
local pool = {}      -- Ids, oldest first.
local kPoolTarget = 100
local kRecent = 50
local kQuietSeconds = 12
local used = {}      -- Id to when it was created or last picked (os.time()).
local json = { ["Content-Type"] = "application/json" }
errors = 0           -- Global, so that done() can read it through thread:get().
first_error = ""

function init(args)
  run_id = args[1] or tostring(os.time())
end

local function create()
  counter = counter + 1
  local body = string.format(
    '{"name":"Soak User","email":"soak-%s-t%d-%d@example.test","age":30}',
    run_id, thread_number, counter)
  return wrk.format("POST", "/users", json, body)
end

local function recent()
  local low = math.max(1, #pool - kRecent + 1)
  local id = pool[math.random(low, #pool)]
  used[id] = os.time()
  return id
end

function request()
  counter = counter + 1
  local step = counter % 10
  if step == 0 or step == 5 or #pool == 0 then
    return create()
  elseif step == 7 or step == 9 then
    if #pool <= kPoolTarget then return create() end
    if os.time() - used[pool[1]] < kQuietSeconds then
      return wrk.format("GET", "/users/" .. recent())
    end
    local id = table.remove(pool, 1)
    used[id] = nil
    return wrk.format("DELETE", "/users/" .. id)
  elseif step == 2 then
    return wrk.format("PATCH", "/users/" .. recent(), json,
      string.format('{"age":%d}', counter % 100 + 1))
  elseif step == 4 then
    return wrk.format("GET", "/users?limit=10")
  else
    return wrk.format("GET", "/users/" .. recent())
  end
end

function response(status, headers, body)
  if status == 201 then
    local id = body:match('"id":(%d+)')
    if id then
      table.insert(pool, id)
      used[id] = os.time()
    end
  elseif status ~= 200 and status ~= 204 then
    errors = errors + 1
    if first_error == "" then
      first_error = status .. " " .. body:sub(1, 200)
    end
  end
end

function done(summary, latency)
  common.write_summary(summary, latency, {
    { "errors", common.sum("errors") },
    { "first_error", common.first("first_error") },
  })
end
