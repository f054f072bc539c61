-- GET /healthz: no authentication, no database; the ceiling of the stack.
request = function()
  return wrk.format("GET", "/healthz")
end
