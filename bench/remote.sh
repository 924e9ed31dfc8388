#!/usr/bin/env bash
# Authenticated-request throughput on the remote back end next to the embedded store, measured
# side by side in one run: a stormpath-server on SQLite, and two copies of the bench app, one on
# the embedded store and one on the server. Every request carries the token of one of SESSIONS
# sessions in turn (logins of one account), so per-token costs show: on the remote back end a
# token is verified locally (its account cached, revocations brought by the server's changes
# feed), as on the embedded store.
# Usage: [ROUNDS=3] [SESSIONS=200] bench/remote.sh [seconds, default 5].
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-5}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -q -p stormpath-bench -p stormpath-server
bin=${CARGO_TARGET_DIR:-$root/target}/release
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; for f in "$work"/*.log; do echo "== $f" >&2; tail -n 3 "$f" >&2; done; rm -rf "$work"' EXIT
wait_for() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return; sleep 0.1; done; echo "$1 did not start" >&2; exit 1; }

export SECRET_KEY=bench-secret-key-0123456789abcdefghijklmnop
export STORMPATH_SERVER_DATABASE_URL="sqlite://$work/server.db" STORMPATH_SERVER_BASE_URL=http://127.0.0.1:18090
(cd "$work" && "$bin/stormpath-server" init >init.txt 2>/dev/null)
STORMPATH_SERVER_LISTEN=127.0.0.1:18090 "$bin/stormpath-server" serve >"$work/server.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:18090/v1/tenants/current

STORMPATH_DATABASE_URL="sqlite://$work/embedded.db" PORT=18081 "$bin/bench-server" >"$work/embedded.log" 2>&1 &
pids+=($!)
STORMPATH_CLIENT_BASEURL=http://127.0.0.1:18090/v1 \
STORMPATH_CLIENT_APIKEY_FILE="$work/apiKey.properties" \
STORMPATH_APPLICATION_HREF=$(awk '/application:/ {print $2}' "$work/init.txt") \
PORT=18082 "$bin/bench-server" >"$work/remote.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:18081/bare
wait_for http://127.0.0.1:18082/bare

sessions=${SESSIONS:-200}
cookies() { # port file: one access-token cookie per session
    local body='{"givenName":"B","surname":"M","email":"bench@example.com","password":"Sup3rSecret!"}'
    curl -s -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$1/register"
    for _ in $(seq 1 "$sessions"); do
        curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
            -d '{"login":"bench@example.com","password":"Sup3rSecret!"}' "http://127.0.0.1:$1/login" \
            | awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^access_token=/ {print $2}'
    done >"$2"
    [ "$(wc -l <"$2")" -eq "$sessions" ] || { echo "logins on :$1 failed" >&2; exit 1; }
}
cookies 18081 "$work/embedded.tokens"
cookies 18082 "$work/remote.tokens"
rate() { wrk -t2 -c"${CONNS:-64}" -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
tokens() { BENCH_TOKENS="$work/$1.tokens" rate -s bench/tokens.lua "$2"; }

rounds=${ROUNDS:-3}
echo "== $rounds interleaved rounds of ${secs}s per endpoint (wrk -t2 -c${CONNS:-64}), $sessions tokens in turn"
echo "bare embedded-authed remote-authed embedded-current remote-current"
: >"$work/rounds"
for _ in $(seq 1 "$rounds"); do
    bare=$(rate http://127.0.0.1:18081/bare)
    ea=$(tokens embedded http://127.0.0.1:18081/authed)
    ra=$(tokens remote http://127.0.0.1:18082/authed)
    ec=$(tokens embedded http://127.0.0.1:18081/current)
    rc=$(tokens remote http://127.0.0.1:18082/current)
    echo "$bare $ea $ra $ec $rc" | tee -a "$work/rounds"
done
python3 - "$work/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda i, j: statistics.median(r[i] / r[j] for r in rows)
print(f"#[login_required]: embedded {med(1,0):.1%} of bare, remote {med(2,0):.1%} of bare; remote/embedded {med(2,1):.1%}")
print(f"CurrentUser:       embedded {med(3,0):.1%} of bare, remote {med(4,0):.1%} of bare; remote/embedded {med(4,3):.1%}")
PY
