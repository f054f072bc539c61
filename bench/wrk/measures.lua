-- Measures (办结率, 按时办结率, 满意率) of one street over one month. Env: TOKEN, STREET_ID,
-- MONTH_FROM, MONTH_TO.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local path = "/api/v1/measures/requests?jurisdiction_id=" .. os.getenv("STREET_ID")
  .. "&from=" .. os.getenv("MONTH_FROM") .. "&to=" .. os.getenv("MONTH_TO")
request = function()
  return wrk.format("GET", path)
end
