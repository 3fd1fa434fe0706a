-- What the kit's wrk scripts share: numbered threads, counters summed over
-- them, and the last line each script prints, one JSON object:
--   {"requests": ..., "duration_s": ..., "requests_per_second": ...,
--    "socket_errors": ..., "p50_us": ..., "p99_us": ..., <the script's own>}
-- A script loads it with
--   package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
--   local common = require("wrk_common")
-- and sets `setup = common.setup`.
local common = {}

local threads = {}  -- wrk's thread objects, in the main state (setup, done).

-- wrk's setup(): gives each thread a global thread_number, 1, 2, ...
function common.setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

-- For done(): a global counter of every thread, summed.
function common.sum(name)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get(name)
  end
  return total
end

-- For done(): the first non-empty value of a global string of the threads.
function common.first(name)
  for _, thread in ipairs(threads) do
    local value = thread:get(name)
    if value ~= "" then return value end
  end
  return ""
end

-- For done(): writes the JSON line, then `fields` in order, each
-- {name, value}: a whole number, or a string (quotes and control
-- characters replaced, so that the line stays valid JSON).
function common.write_summary(summary, latency, fields)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local parts = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_s": %.3f', seconds),
    string.format('"requests_per_second": %.1f', summary.requests / seconds),
    string.format('"socket_errors": %d', e.connect + e.read + e.write + e.timeout),
    string.format('"p50_us": %d', latency:percentile(50)),
    string.format('"p99_us": %d', latency:percentile(99)),
  }
  for _, field in ipairs(fields) do
    local name, value = field[1], field[2]
    if type(value) == "number" then
      table.insert(parts, string.format('"%s": %d', name, value))
    else
      local text = value:gsub('[\\"]', "'"):gsub("%c", " ")
      table.insert(parts, string.format('"%s": "%s"', name, text))
    end
  end
  io.write("{" .. table.concat(parts, ", ") .. "}\n")
end

return common
