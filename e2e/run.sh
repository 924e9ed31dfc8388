#!/usr/bin/env bash
# Builds the quickstart example, installs Chromium and playwright-core when missing, and runs
# the browser suite (node's test runner). Screenshots land in docs/screenshots/.
# Usage: e2e/run.sh [extra node --test arguments, e.g. --test-name-pattern=keyboard]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

# E2E_PREBUILT=1 (CI, right after `cargo test --workspace`, which builds the examples) uses
# the quickstart binary as it is: a plain `cargo build` unifies other features and would
# compile much of the tree again.
bin="${CARGO_TARGET_DIR:-$root/target}/debug/examples/quickstart"
if [ "${E2E_PREBUILT:-}" = 1 ] && [ -x "$bin" ]; then
    echo "e2e: using the quickstart the tests built"
else
    started=$SECONDS
    (cd "$root" && cargo build --quiet --example quickstart)
    echo "e2e: quickstart built in $((SECONDS - started))s"
fi

"$here/install.sh"

cd "$here"
started=$SECONDS
status=0
node --test --test-concurrency=1 --test-timeout=180000 "$@" || status=$?
echo "e2e: browser suite ran in $((SECONDS - started))s"
exit "$status"
