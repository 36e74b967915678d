-- wrk's side of bench/mgmt_latency.mjs: durable management writes through
-- the native API, as fast as wrk's connections can send them.  One thread
-- (wrk -t1).  The environment says what to send:
--   TG_WRK_AUTH    the Authorization header (HTTP Basic)
--   TG_WRK_OP      "reset": POST /v1/apps/<id>/reset-secret, the ids of
--                  TG_WRK_IDS (one per line) in turn, so that the resets
--                  in flight are each of a different app;
--                  "create": POST /v1/apps {"name": "<TG_WRK_PREFIX><n>"}
-- done() prints one line of JSON: requests, seconds, refused (answers
-- other than 2xx, and socket errors), and the latency's p50/p99/max in us.

local auth = os.getenv("TG_WRK_AUTH")
local op = os.getenv("TG_WRK_OP")
local prefix = os.getenv("TG_WRK_PREFIX") or "w"
local ids = {}
local n = 0

if op == "reset" then
    for line in io.lines(os.getenv("TG_WRK_IDS")) do
        ids[#ids + 1] = line
    end
end

local headers = { ["Authorization"] = auth,
                  ["Content-Type"] = "application/json" }

request = function()
    n = n + 1
    if op == "reset" then
        return wrk.format("POST", "/v1/apps/" .. ids[(n - 1) % #ids + 1]
                          .. "/reset-secret", headers, "{}")
    end
    return wrk.format("POST", "/v1/apps", headers,
                      '{"name":"' .. prefix .. n .. '"}')
end

done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        '{"requests":%d,"seconds":%.6f,"refused":%d,"p50_us":%d,' ..
        '"p99_us":%d,"max_us":%d}\n',
        summary.requests, summary.duration / 1e6,
        e.status + e.connect + e.read + e.write + e.timeout,
        latency:percentile(50), latency:percentile(99), latency.max))
end
