#!/usr/bin/env bash
# Installs what the browser suite needs: Debian's Chromium (and a font so text renders), then
# the pinned npm packages. Safe to run again: each step is skipped when already done.
# Needs root (apt-get) on Debian bookworm with node >= 18 and npm on PATH.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# Without any sans-serif font Chromium draws text as boxes.
if ! fc-list 2>/dev/null | grep -qi 'dejavu sans'; then
    need_apt+=(fonts-dejavu-core)
fi
if ((${#need_apt[@]})); then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fontconfig >/dev/null
fi

# playwright-core never downloads a browser; the env var is belt and braces.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
want=$(node -p "require('./package.json').dependencies['playwright-core']")
have=$(node -p "try { require('./node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$want" != "$have" ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
# The social-login test's OpenID Connect provider (pinned by its own lockfile).
oidc="../stormpath-testkit/oidc"
want=$(node -p "require('$oidc/package.json').dependencies['oidc-provider']")
have=$(node -p "try { require('$oidc/node_modules/oidc-provider/package.json').version } catch { '' }")
if [ "$want" != "$have" ]; then
    (cd "$oidc" && npm ci --no-audit --no-fund --loglevel=error)
fi
chromium --version 2>/dev/null
