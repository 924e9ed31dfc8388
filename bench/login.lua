-- wrk script: JSON logins (POST /login) as a random one of BENCH_ACCOUNTS accounts
-- (user1@example.com … userN@example.com, all with the password Sup3rSecret!).
-- With BENCH_BACKOFF set, a client told 503 + Retry-After waits that long before its next
-- login, as a well-behaved client does (approximately: wrk hands the delay to the next request
-- its thread sends, not always on the same connection).
local accounts = tonumber(os.getenv("BENCH_ACCOUNTS") or "1")
local threads = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (id or 0))
end

function request()
  local i = math.random(1, accounts)
  return wrk.format(nil, nil, nil,
    '{"login":"user' .. i .. '@example.com","password":"Sup3rSecret!"}')
end

if os.getenv("BENCH_BACKOFF") then
  local owed = {}

  function response(status, headers, body)
    if status == 503 then
      owed[#owed + 1] = (tonumber(headers["Retry-After"]) or 1) * 1000
    end
  end

  function delay()
    if #owed > 0 then
      return table.remove(owed, 1)
    end
    return 0
  end
end
