#!/usr/bin/env bash
# Starts a stormpath-server on a fresh SQLite database in a temporary directory and drives the
# npm Stormpath SDK (pinned by package-lock.json) against it. Used by .ci/run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${STORMPATH_SERVER_BIN:-${CARGO_TARGET_DIR:-$here/../target}/debug/stormpath-server}
[ -d "$here/node_modules/stormpath" ] || (cd "$here" && npm ci --no-audit --no-fund)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export STORMPATH_SERVER_DATABASE_URL="sqlite://$work/stormpath.db" STORMPATH_SERVER_BASE_URL="http://127.0.0.1:$port"
export STORMPATH_SERVER_MAIL_DIR="$work/mail" STORMPATH_SERVER_LISTEN="127.0.0.1:$port"
mkdir -p "$work/mail"
cd "$work"
"$bin" init > init.txt
app=$(awk '/application:/ {print $2}' init.txt)
"$bin" serve 2> serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
STORMPATH_CLIENT_BASEURL="http://127.0.0.1:$port/v1" \
STORMPATH_CLIENT_APIKEY_ID=$(awk '/apiKey.id/ {print $3}' apiKey.properties) \
STORMPATH_CLIENT_APIKEY_SECRET=$(awk '/apiKey.secret/ {print $3}' apiKey.properties) \
STORMPATH_APPLICATION_HREF="$app" \
    node "$here/witness.js"
