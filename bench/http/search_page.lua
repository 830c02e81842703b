-- wrk script: GET /search?q= over a list of distinct queries (PB_QUERIES);
-- each wrk thread starts at its own share of the list (plus PB_QUERY_OFFSET),
-- so that no query is asked twice until the list wraps (no cache hits).
local qs = {}
local f = io.open(os.getenv("PB_QUERIES") or "queries.txt")
for line in f:lines() do qs[#qs + 1] = line end
f:close()
local n_threads = 0
setup = function(thread)
  thread:set("tid", n_threads)
  n_threads = n_threads + 1
end
local i
local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end
request = function()
  if not i then
    i = (tid or 0) * 100003 + tonumber(os.getenv("PB_QUERY_OFFSET") or "0")
  end
  i = i + 1
  return wrk.format("GET", "/search?q=" .. enc(qs[(i % #qs) + 1]))
end
