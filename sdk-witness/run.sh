#!/usr/bin/env bash
# Starts a stormpath-server on a fresh SQLite database in a temporary directory and drives the
# npm Stormpath SDK (witness.js) and express-stormpath (express.js), both pinned by
# package-lock.json, against it. Used by .ci/run. On failure the server's log is printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${STORMPATH_SERVER_BIN:-${CARGO_TARGET_DIR:-$here/../target}/debug/stormpath-server}
[ -x "$bin" ] || { echo "no server binary at $bin (cargo build -p stormpath-server)" >&2; exit 1; }
[ -d "$here/node_modules/express-stormpath" ] || (cd "$here" && npm ci --no-audit --no-fund)
work=$(mktemp -d)
server=""
client=""
# Stops what this script started (the server, a node witness), prints the server log on failure
# and removes the temporary directory. INT and TERM end the script through it too.
finish() {
    status=$?
    for pid in $client $server; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ] && [ -f "$work/serve.log" ]; then
        echo "--- stormpath-server log ($work/serve.log) ---" >&2
        cat "$work/serve.log" >&2
        echo "--- end of the server log ---" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Runs a witness in the background and waits for it, so that a signal reaches finish at once.
witness() {
    node "$here/$1" &
    client=$!
    wait "$client"
    client=""
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export STORMPATH_SERVER_DATABASE_URL="sqlite://$work/stormpath.db" STORMPATH_SERVER_BASE_URL="http://127.0.0.1:$port"
export STORMPATH_SERVER_MAIL_DIR="$work/mail" STORMPATH_SERVER_LISTEN="127.0.0.1:$port"
mkdir -p "$work/mail"
cd "$work"
"$bin" init > init.txt
app=$(awk '/application:/ {print $2}' init.txt)
NO_COLOR=1 "$bin" serve > serve.log 2>&1 &
server=$!
up=""
for _ in $(seq 1 300); do
    if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    kill -0 "$server" 2>/dev/null || { echo "stormpath-server exited before it listened" >&2; exit 1; }
    sleep 0.1
done
[ -n "$up" ] || { echo "stormpath-server never opened 127.0.0.1:$port" >&2; exit 1; }
export STORMPATH_CLIENT_BASEURL="http://127.0.0.1:$port/v1"
STORMPATH_CLIENT_APIKEY_ID=$(awk '/apiKey.id/ {print $3}' apiKey.properties)
STORMPATH_CLIENT_APIKEY_SECRET=$(awk '/apiKey.secret/ {print $3}' apiKey.properties)
export STORMPATH_CLIENT_APIKEY_ID STORMPATH_CLIENT_APIKEY_SECRET STORMPATH_APPLICATION_HREF="$app"
echo "# the npm Stormpath SDK (witness.js)"
witness witness.js
echo "# express-stormpath (express.js)"
witness express.js
