#!/usr/bin/env bash
# Builds the quickstart example, installs Chromium and playwright-core when missing, and runs
# the browser suite (node's test runner). Screenshots land in docs/screenshots/.
# Usage: e2e/run.sh [extra node --test arguments, e.g. --test-name-pattern=keyboard]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

started=$SECONDS
(cd "$root" && cargo build --quiet --example quickstart)
echo "e2e: quickstart built in $((SECONDS - started))s"

"$here/install.sh"

cd "$here"
started=$SECONDS
status=0
node --test --test-concurrency=1 --test-timeout=180000 "$@" || status=$?
echo "e2e: browser suite ran in $((SECONDS - started))s"
exit "$status"
