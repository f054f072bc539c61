-- GET /api/v1/requests/{id} as the street administrator, cycling over the ids the generator
-- wrote (requests of the first street spread over three years). Env: TOKEN, IDS_FILE.
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do
  if #line > 0 then ids[#ids + 1] = line end
end
assert(#ids > 0, "IDS_FILE holds no ids")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local i = math.random(#ids)
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/api/v1/requests/" .. ids[i])
end
