-- wrk script for the /api/search load test: requests the URL paths listed in a file, one per
-- line (written by `python bench/api_load.py --paths-out FILE --mode short|long`), each wrk
-- thread starting at a different place in the list and cycling through it.
--
--   wrk -t2 -c16 -d20s --latency -s bench/wrk_queries.lua http://127.0.0.1:5055 -- FILE

local threads = {}
local paths = {}
local i = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1] or error("usage: wrk ... -s bench/wrk_queries.lua URL -- PATHS_FILE")
  for line in io.lines(file) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. file) end
  i = ((id or 1) * 7919) % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept"] = "application/json" })
end

function done(summary, latency, requests)
  io.write(string.format("requests=%d non2xx=%d errors(connect,read,write,timeout)=%d,%d,%d,%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  io.write(string.format("p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
