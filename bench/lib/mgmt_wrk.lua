-- wrk's side of bench/mgmt_latency.mjs: durable management writes through
-- the native API, as fast as wrk's connections can send them.  One thread
-- (wrk -t1).  The environment says what to send:
--   TG_WRK_AUTH    the Authorization header (HTTP Basic)
--   TG_WRK_OP      "reset": POST /v1/apps/<id>/reset-secret, the ids of
--                  TG_WRK_IDS (one per line) in turn, so that the resets
--                  in flight are each of a different app;
--                  "create": POST /v1/apps {"name": "<TG_WRK_PREFIX><n>"}
--                  (n counts from 1 in each run: each run needs a prefix
--                  of its own, since names are unique in an account)
--   TG_WRK_ACCOUNT optional, for "create": the account to create in, sent
--                  as the body's "account_id" (an admin key may name any
--                  account); without it, the key's own account
-- done() prints one line of JSON: requests (every answer wrk read, refused
-- ones included), seconds, refused (answers of status 400 or more, and
-- socket errors and timeouts), the same split in status_errors (the
-- answers of status 400 or more: wrk counts those; 1xx and 3xx it counts
-- as answered) and socket_errors, and the latency's p50/p99/max in us.

local auth = os.getenv("TG_WRK_AUTH")
local op = os.getenv("TG_WRK_OP")
local prefix = os.getenv("TG_WRK_PREFIX") or "w"
local account = os.getenv("TG_WRK_ACCOUNT")
local account_field = ""
local ids = {}
local n = 0

if account and account ~= "" then
    -- Put in the JSON as it is: only characters that need no escaping.
    -- (An error here would not stop wrk: it would send its default GET.)
    if not account:match("^[%w_%-]+$") then
        io.stderr:write("mgmt_wrk.lua: TG_WRK_ACCOUNT: ASCII letters, " ..
                        "digits, _ and - only\n")
        os.exit(2)
    end
    account_field = ',"account_id":"' .. account .. '"'
end

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
                      '{"name":"' .. prefix .. n .. '"' .. account_field .. '}')
end

done = function(summary, latency, requests)
    local e = summary.errors
    local socket = e.connect + e.read + e.write + e.timeout
    io.write(string.format(
        '{"requests":%d,"seconds":%.6f,"refused":%d,"p50_us":%d,' ..
        '"p99_us":%d,"max_us":%d,"status_errors":%d,"socket_errors":%d}\n',
        summary.requests, summary.duration / 1e6, e.status + socket,
        latency:percentile(50), latency:percentile(99), latency.max,
        e.status, socket))
end
