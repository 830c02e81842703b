-- wrk script: a mix of the site's routes (pages, API, feeds, search).
local days = {"2024-06-03", "2024-09-10", "2025-01-15", "2025-06-02", "2023-12-01"}
local routes = {
  "/", "/trending", "/week/2024-W23", "/month/2024-06", "/papers/2405.21060",
  "/papers/2405.21060.md", "/authors/Tri%20Dao", "/api/papers?limit=20",
  "/api/papers/2405.21060", "/rss/daily.xml", "/atom/daily.xml",
  "/atom/trending.xml", "/subscribe", "/date/2024-06-04", "/date/2024-06-05",
}
local words = {"diffusion", "agents", "video", "reasoning", "mamba", "3d", "robot", "speech"}
local i = 0
request = function()
  i = i + 1
  local k = i % 4
  if k == 0 then
    return wrk.format("GET", "/api/daily_papers?date=" .. days[(i % #days) + 1] .. "&limit=20")
  elseif k == 1 then
    return wrk.format("GET", "/search?q=" .. words[(i % #words) + 1] .. "&p=" .. (i % 3))
  elseif k == 2 then
    return wrk.format("GET", "/api/papers/search?q=" .. words[(i % #words) + 1] .. "+" .. (i % 500))
  end
  return wrk.format("GET", routes[(i % #routes) + 1])
end
