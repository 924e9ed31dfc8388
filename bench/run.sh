#!/usr/bin/env bash
# The benchmark suite, one command: builds release, starts the bench app (bench-server) on
# 127.0.0.1 on each back end, loads each hot path and its baseline with wrk in interleaved
# rounds, and prints the table of ratios (medians of the per-round ratios) with their targets.
#
# Usage: [ROUNDS=3] [BACKENDS="sqlite postgres postgres+redis"] [ACCOUNTS=1000000] [REMOTE=1] \
#        bench/run.sh [seconds per measurement, default 5]
#
#   (a) authenticated GET (#[login_required] + CurrentUser, and CurrentUser alone) vs the same
#       handler with no auth, sent the same request (cookie included);
#   (b) JSON login throughput vs the fair ceiling: raw argon2id verifies, one thread per core,
#       no HTTP (the raw-ceiling binary), for the same seconds, in the same round;
#   (c) login p50/p99 with ACCOUNTS accounts vs 1,000 (random accounts, wrk -c2: no queueing);
#   (d) overload: 256 concurrent logins (clients honour 503 + Retry-After) on a fresh process:
#       successful logins/s vs the ceiling, peak RSS (VmHWM) vs idle + permits × m + 32 MiB;
#   (e) the same on PostgreSQL (BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432),
#       and on PostgreSQL + Redis (BENCH_REDIS, default redis://127.0.0.1:6379; that pass is
#       left out when no Redis answers there);
#   (f) the remote back end: bench/remote.sh (REMOTE=0 skips it).
# Needs wrk (Debian package, installed if missing), python3, psql for PostgreSQL. A whole run
# takes about 6 minutes with the defaults on 2 cores. Compare ratios, not absolute rates: the
# rounds interleave the two sides of each ratio so that background load hits both alike.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-5}
rounds=${ROUNDS:-3}
big=${ACCOUNTS:-1000000}
small=1000
pg=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
redis=${BENCH_REDIS:-redis://127.0.0.1:6379}
if [ -z "${BACKENDS:-}" ]; then
    backends="sqlite postgres"
    redis-cli -u "$redis" ping 2>/dev/null | grep -q PONG && backends+=" postgres+redis"
else
    backends=$BACKENDS
fi
load_before=$(cut -d' ' -f1 /proc/loadavg)
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -q -p stormpath-bench -p stormpath-server
bin=${CARGO_TARGET_DIR:-$root/target}/release
work=$(mktemp -d)
pids=()
pg_dbs=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    for db in "${pg_dbs[@]}"; do psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
export SECRET_KEY=bench-secret-key-0123456789abcdefghijklmnop
export BENCH_PASSWORD='Sup3rSecret!'
permits=$(nproc)        # the store's default max_concurrent_hashes
memory_kib=19456        # the store's default argon2id m
port=18100

# Starts bench-server on DATABASE_URL (with the shared Redis for the postgres+redis back end),
# sets $server (pid) and $url.
serve() { # name database-url
    port=$((port + 1))
    local shared=
    [[ $1 == postgres+redis* ]] && shared=$redis
    STORMPATH_REDIS_URL=$shared STORMPATH_DATABASE_URL=$2 PORT=$port "$bin/bench-server" >"$work/$1.log" 2>&1 &
    server=$!
    pids+=("$server")
    url=http://127.0.0.1:$port
    for _ in $(seq 1 200); do curl -sf -o /dev/null "$url/bare" && return; sleep 0.1; done
    echo "bench-server $1 did not start" >&2; cat "$work/$1.log" >&2; exit 1
}

login_cookie() { # url
    curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"login\":\"user1@example.com\",\"password\":\"$BENCH_PASSWORD\"}" "$1/login" \
        | awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^access_token=/ {print $2}'
}

# Adds accounts user2 … userN (same password as user1, which registered through the app).
# The import command is the way: a JSON-lines file loaded with `stormpath-server import`
# (IMPORT=0: one direct SQL insert of the same rows instead, much faster to set up).
add_accounts() { # database-url N
    local db=$1 n=$2
    if [ "${IMPORT:-1}" != 0 ]; then
        local file=$work/accounts-$n.jsonl hash
        hash=$(sql "$db" "SELECT password_hash FROM accounts WHERE email_key = 'user1@example.com'")
        python3 - "$file" "$n" "$hash" <<'PY'
import json, sys
path, n, phc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as out:
    for i in range(2, n + 1):
        out.write(json.dumps({"email": f"user{i}@example.com", "passwordHash": phc,
                              "givenName": "Bench", "surname": f"User{i}"}) + "\n")
PY
        "$bin/stormpath-server" import --database "$db" "$file" >"$work/import.log" 2>&1 \
            || { cat "$work/import.log" >&2; exit 1; }
    else
        local series columns="id, directory_id, email, email_key, username, username_key, \
            given_name, middle_name, surname, status, email_verification_status, password_hash, \
            password_modified_at, tokens_valid_after, custom_data, custom_data_version, \
            created_at, modified_at"
        case $db in
            sqlite:*) series="(WITH RECURSIVE s(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM s WHERE i < $n) SELECT i FROM s) s" ;;
            *) series="generate_series(2, $n) AS s(i)" ;;
        esac
        sql "$db" "INSERT INTO accounts ($columns) SELECT 'bench' || i, a.directory_id,
            'user' || i || '@example.com', 'user' || i || '@example.com',
            'user' || i || '@example.com', 'user' || i || '@example.com', 'Bench',
            NULL, 'User' || i, a.status, a.email_verification_status, a.password_hash,
            a.password_modified_at, 0, '{}', 0, a.created_at, a.modified_at
            FROM $series, accounts a WHERE a.email_key = 'user1@example.com'" >/dev/null
        # PostgreSQL's autovacuum would soon analyze a table this changed; do it now.
        case $db in sqlite:*) ;; *) sql "$db" "ANALYZE accounts" >/dev/null ;; esac
    fi
}

sql() { # database-url statement
    case $1 in
        sqlite:*) python3 - "${1#sqlite://}" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
for row in db.execute(sys.argv[2]):
    print(*row)
db.commit()
PY
        ;;
        *) psql -qAt "$1" -c "$2" ;;
    esac
}

database() { # backend name: sets $db to the URL of a fresh database
    case $1 in
        sqlite) db=sqlite://$work/$2.db ;;
        *) local name=bench_${2//[-+]/_}_$$
           psql -q "$pg/postgres" -c "CREATE DATABASE $name" >/dev/null
           pg_dbs+=("$name")
           db=$pg/$name ;;
    esac
}

# One database per size and back end, each with user1 registered through the app.
declare -A small_url big_url small_server big_server cookie
setup() { # backend
    local b=$1
    for size in small big; do
        database "$b" "$b-$size"
        serve "$b-$size" "$db"
        curl -sf -o /dev/null -H 'Content-Type: application/json' \
            -d "{\"givenName\":\"Bench\",\"surname\":\"User1\",\"email\":\"user1@example.com\",\"password\":\"$BENCH_PASSWORD\"}" \
            "$url/register"
        if [ $size = small ]; then n=$small; small_url[$b]=$db; small_server[$b]=$url; cookie[$b]=$(login_cookie "$url")
        else n=$big; big_url[$b]=$db; big_server[$b]=$url; fi
        echo "== $b: $n accounts" >&2
        add_accounts "$db" "$n"
    done
}

for b in $backends; do
    case $b in
        sqlite|postgres) setup "$b" ;;
        postgres+redis) setup "$b" ;;
        *) echo "unknown back end $b" >&2; exit 1 ;;
    esac
done

hash=$(sql "${small_url[${backends%% *}]}" "SELECT password_hash FROM accounts WHERE email_key = 'user1@example.com'")
export BENCH_HASH=$hash

# Waits until the logins wrk left queued (it hangs up; the server still hashes them) are done,
# so that they do not count against the next measurement.
drain() { # url
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null -H 'Content-Type: application/json' \
            -d "{\"login\":\"user1@example.com\",\"password\":\"$BENCH_PASSWORD\"}" "$1/login" && return
        sleep 0.2
    done
}

load() { # out-file url path wrk-args...
    local out=$1 target=$2$3; shift 3
    wrk -t2 -d"${secs}s" --latency "$@" "$target" >"$out"
}

echo "== $rounds interleaved rounds of ${secs}s per measurement ($backends)" >&2
for round in $(seq 1 "$rounds"); do
    r=$work/r$round
    mkdir -p "$r"
    "$bin/raw-ceiling" "$secs" >"$r/raw.txt"
    for b in $backends; do
        s=${small_server[$b]}
        # The bare handler gets the same request, cookie included: the ratio is what auth costs.
        load "$r/$b.bare.wrk" "$s" /bare -c64 -H "Cookie: ${cookie[$b]}"
        load "$r/$b.authed.wrk" "$s" /authed -c64 -H "Cookie: ${cookie[$b]}"
        load "$r/$b.current.wrk" "$s" /current -c64 -H "Cookie: ${cookie[$b]}"
        BENCH_ACCOUNTS=$small load "$r/$b.login.wrk" "$s" /login -c16 -s bench/login.lua
        drain "$s"
        BENCH_ACCOUNTS=$small load "$r/$b.lat-small.wrk" "$s" /login -c2 -s bench/login.lua
        BENCH_ACCOUNTS=$big load "$r/$b.lat-big.wrk" "${big_server[$b]}" /login -c2 -s bench/login.lua
        # Overload on a fresh process of the small database: idle RSS, then 256 logins at once.
        serve "$b-overload-$round" "${small_url[$b]}"
        idle=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
        BENCH_ACCOUNTS=$small BENCH_BACKOFF=1 load "$r/$b.overload.wrk" "$url" /login -c256 \
            --timeout 30s -s bench/login.lua
        peak=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
        echo "$idle $peak $((permits * memory_kib + 32768))" >"$r/$b.rss"
        kill "$server"; wait "$server" 2>/dev/null || true
    done
    echo "   round $round done" >&2
done
SECS=$secs BACKENDS_RUN=$backends BENCH_DATE=$(date -u +%Y-%m-%dT%H:%MZ) \
    python3 bench/report.py "$work" "ROUNDS=$rounds bench/run.sh $secs" "$load_before"

if [ "${REMOTE:-1}" != 0 ]; then
    echo
    echo "remote back end (bench/remote.sh $secs):"
    ROUNDS=$rounds bench/remote.sh "$secs"
fi
