-- wrk script: each request a different search query, taken from the
-- Daily Papers keyword list (distinct queries, so no response cache hits).
local qs = {}
local f = io.open(os.getenv("PB_QUERIES") or "queries.txt")
for line in f:lines() do qs[#qs + 1] = line end
f:close()
local i = 0
local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end
request = function()
  i = i + 1
  return wrk.format("GET", "/api/papers/search?limit=10&q=" .. enc(qs[(i % #qs) + 1]))
end
