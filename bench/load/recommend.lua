-- wrk script: GET /shop/_recommend?<kind>=<id> rotating over the ids of a
-- file (one per line). Used by bench/load/recommend.
--   wrk -s bench/load/recommend.lua http://127.0.0.1:9251 -- <ids.txt> user|item
local paths = {}
local counter = 0

local function escape(s)
  return (s:gsub("[^%w%-_.~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function init(args)
  local path, kind = args[1], args[2] or "user"
  for id in io.lines(path) do
    if id ~= "" then paths[#paths + 1] = "/shop/_recommend?size=10&" .. kind .. "=" .. escape(id) end
  end
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
