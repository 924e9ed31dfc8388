#!/usr/bin/env bash
# Fuzzes the conformance example's JSON API from its own OpenAPI document (/openapi.json) with
# schemathesis ($1, default `schemathesis`) and fails on any 5xx. Short by design: a few
# examples per operation, one worker (no hashing queue to overflow), fast password hashing.
set -euo pipefail
cd "$(dirname "$0")/.."
st=${1:-schemathesis}
target=${CARGO_TARGET_DIR:-target}
[ -x "$target/debug/examples/conformance" ] || cargo build -p stormpath-actix --example conformance --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
SECRET_KEY=schemathesis-secret-key-0123456789abcdef PORT=$port STORMPATH_MAIL_DIR="$work/mail" \
    STORMPATH_PASSWORD_HASHING_MEMORYKIB=64 STORMPATH_PASSWORD_HASHING_ITERATIONS=1 \
    STORMPATH_PASSWORD_HASHING_PARALLELISM=1 STORMPATH_PASSWORD_HASHING_INSECUREALLOWWEAK=true \
    STORMPATH_WEB_VERIFYEMAIL_ENABLED=false \
    RUST_LOG=warn "$target/debug/examples/conformance" >"$work/app.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/openapi.json" >/dev/null 2>&1 && break
    sleep 0.2
done
# A logged-in caller, so that the protected operations get past 401.
base="http://127.0.0.1:$port"
curl -fsS -H 'Accept: application/json' -H 'Content-Type: application/json' \
    -d '{"email":"fuzz@example.com","password":"Fuzz-Passw0rd-9431","givenName":"F","surname":"Z"}' \
    "$base/register" >/dev/null
token=$(curl -fsS -d grant_type=password -d username=fuzz@example.com -d password=Fuzz-Passw0rd-9431 \
    "$base/oauth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/me" || { echo "the fuzzing account cannot log in" >&2; exit 1; }
status=0
# From a scratch directory (schemathesis keeps a cache in the working directory); without
# POST /logout, which would revoke the token the other operations use.
(cd "$work" && timeout 180 "$st" run "http://127.0.0.1:$port/openapi.json" \
    --url "http://127.0.0.1:$port" \
    --checks not_a_server_error \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
    --seed 1 \
    --workers 1 \
    --request-timeout 10 \
    --exclude-path /logout \
    --exclude-path /me/sessions \
    -H "Authorization: Bearer $token") || status=$?
if grep -q "panicked" "$work/app.log"; then
    echo "the app panicked during the run:" >&2
    grep -A3 panicked "$work/app.log" >&2
    status=1
fi
exit $status
