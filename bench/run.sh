#!/usr/bin/env bash
# Loads each hot path and its baseline with wrk, side by side in one run, and prints ratios.
# Usage: [ROUNDS=3] bench/run.sh [seconds per endpoint, default 10]. Needs wrk (installed if
# missing) and python3. The endpoints are loaded in turn, round after round, so that background
# load on a shared machine hits all of them alike; compare the ratios, not the absolute rates.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -q -p stormpath-bench
work=$(mktemp -d)
port=18080
export SECRET_KEY=bench-secret-key-0123456789abcdefghijklmnop
export STORMPATH_DATABASE_URL="sqlite://$work/bench.db"
start() {
    PORT=$port target/release/bench-server >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/bare" >/dev/null && return; sleep 0.1; done
    echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1
}
start
body='{"givenName":"B","surname":"M","email":"bench@example.com","password":"Sup3rSecret!"}'
curl -sf -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$port/register"
cookie=$(curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"login":"bench@example.com","password":"Sup3rSecret!"}' "http://127.0.0.1:$port/login" \
    | awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^access_token=/ {print $2}')
# Restart with the stored hash exposed to the raw-verify baseline.
kill "$pid"; wait "$pid" 2>/dev/null || true
export BENCH_HASH=$(python3 - "$work/bench.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select password_hash from accounts").fetchone()[0])
PY
)
start
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

rate() { # path, extra wrk args...
    local path=$1; shift
    wrk -t2 -c"${CONNS:-64}" -d"${secs}s" --latency "$@" "http://127.0.0.1:$port$path" | tee -a "$work/wrk.log" \
        | awk '/Requests\/sec/ {print $2}'
}
post_lua=$work/post.lua
cat >"$post_lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login":"bench@example.com","password":"Sup3rSecret!"}'
LUA

rounds=${ROUNDS:-3}
echo "== $rounds interleaved rounds of ${secs}s per endpoint; ratios are medians of per-round ratios"
: >"$work/rounds"
for round in $(seq 1 "$rounds"); do
    bare=$(rate /bare)
    authed=$(rate /authed -H "Cookie: $cookie")
    current=$(rate /current -H "Cookie: $cookie")
    raw=$(CONNS=16 rate /raw-verify -s "$post_lua")
    login=$(CONNS=16 rate /login -s "$post_lua")
    echo "$bare $authed $current $raw $login" | tee -a "$work/rounds"
done
python3 - "$work/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
med = lambda xs: statistics.median(xs)
bare, authed, current, raw, login = (med([r[i] for r in rows]) for i in range(5))
print(f"bare handler        {bare:10.0f} req/s (median)")
print(f"#[login_required]   {authed:10.0f} req/s   {med([r[1] / r[0] for r in rows]):6.1%} of bare")
print(f"CurrentUser         {current:10.0f} req/s   {med([r[2] / r[0] for r in rows]):6.1%} of bare")
print(f"raw argon2id verify {raw:10.1f} req/s")
print(f"JSON login          {login:10.1f} req/s   {med([r[4] / r[3] for r in rows]):6.1%} of raw verify")
PY
