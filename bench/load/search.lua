-- wrk script: rotates the queries of a queries.tsv (qid<TAB>text) as
-- `match` searches against one index. Used by bench/load/run.
--   wrk -s bench/load/search.lua http://127.0.0.1:9200 -- <queries.tsv> [index]
local queries = {}
local counter = 0

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function init(args)
  local path, index = args[1], args[2] or "bench"
  for line in io.lines(path) do
    local text = line:match("^[^\t]*\t(.*)$")
    if text then
      queries[#queries + 1] = '{"query":{"match":{"body":' .. json_string(text) .. '}}}'
    end
  end
  wrk.method = "POST"
  wrk.path = "/" .. index .. "/_search"
  wrk.headers["Content-Type"] = "application/json"
  counter = math.random(#queries)
end

function request()
  counter = counter % #queries + 1
  return wrk.format(nil, nil, nil, queries[counter])
end
