-- A list page of 50 with a status filter (GET /api/v1/requests?limit=50&status=…), cycling
-- over statuses from the common (closed) to the rare (dispatched). Env: TOKEN.
local statuses = { "closed", "in_progress", "resolved", "dispatched" }
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local i = 0
request = function()
  i = i % #statuses + 1
  return wrk.format("GET", "/api/v1/requests?limit=50&status=" .. statuses[i])
end
