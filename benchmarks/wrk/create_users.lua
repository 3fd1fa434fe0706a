-- wrk script: creates users, as the harness's CreateUsers benchmark does, to
-- cross-check its rate with an independent load generator.
--
--   wrk -t 2 -c 16 -d 10s -s benchmarks/wrk/create_users.lua \
--       http://127.0.0.1:8000/users -- RUN_ID
--
-- Every POST body is unique: the email holds RUN_ID (default: the start
-- time), the wrk thread's number and a per-thread counter, so the script
-- also works against a long-running server. Responses other than 2xx are
-- counted. The last line printed is one JSON object with the results:
--   {"requests": ..., "duration_s": ..., "requests_per_second": ...,
--    "non_2xx": ..., "socket_errors": ..., "p50_us": ..., "p99_us": ...}

-- Setup and done share one environment; each thread has its own.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

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
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("non_2xx")
  end
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "requests_per_second": %.1f, ' ..
    '"non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, seconds, summary.requests / seconds, failed,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
