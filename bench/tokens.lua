-- wrk script: each request carries the access-token cookie of one of many sessions, in turn
-- (BENCH_TOKENS names a file with one `access_token=…` cookie per line), so that per-token
-- costs of verification (a first sight, a confirmation) show in the figures.
local cookies = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  if #line > 0 then cookies[#cookies + 1] = line end
end
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  next_cookie = (id or 1) * 7
end

function request()
  next_cookie = next_cookie % #cookies + 1
  return wrk.format(nil, nil, { ["Cookie"] = cookies[next_cookie] })
end
