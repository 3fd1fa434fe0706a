-- wrk script: creates users, as the harness's CreateUsers benchmark does, to
-- cross-check its rate with an independent load generator.
--
--   wrk -t 2 -c 16 -d 10s -s benchmarks/wrk/create_users.lua \
--       http://127.0.0.1:8000/users -- RUN_ID
--
-- Every POST body is unique: the email holds RUN_ID (default: the start
-- time), the wrk thread's number and a per-thread counter, so the script
-- also works against a long-running server. Responses other than 2xx are
-- counted. The last line printed is one JSON object with the results
-- (wrk_common.lua) and "non_2xx".

package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("wrk_common")
setup = common.setup

local run_id
local sent = 0
local headers = { ["Content-Type"] = "application/json" }
non_2xx = 0  -- Global, so that done() can read it through thread:get().

function init(args)
  run_id = args[1] or tostring(os.time())
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"name":"Bench User","email":"wrk-%s-t%d-%d@example.test","age":30}',
    run_id, thread_number, sent)
  return wrk.format("POST", nil, headers, body)
end

function response(status)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency)
  common.write_summary(summary, latency, { { "non_2xx", common.sum("non_2xx") } })
end
