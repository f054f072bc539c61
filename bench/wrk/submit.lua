-- POST /api/v1/requests as a resident, every body unique (thread number and counter), so each
-- call writes a request, its details, a timeline event and an audit entry. Env: TOKEN.
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
request = function()
  -- thread_no is set by setup() in the thread's own Lua state (0 when run without setup).
  local t = thread_no or 0
  counter = counter + 1
  local body = string.format(
    '{"category_code":"ROAD-DAMAGE","description":"压测 %d-%d：小区东门路面破损，请派人现场查看。","latitude":31.87,"longitude":121.18}',
    t, counter)
  return wrk.format("POST", "/api/v1/requests", nil, body)
end
