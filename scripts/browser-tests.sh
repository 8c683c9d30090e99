#!/usr/bin/env bash
# Browser tests: drive headless Chromium through the real pages of a freshly
# started `earlyhelp demo`, run axe-core on them and save screenshots.
#
#   scripts/browser-tests.sh [extra node --test arguments]
#
# Environment:
#   EARLYHELP_BIN  the earlyhelp binary to test; when unset, builds
#                  target/debug/earlyhelp with `cargo build -p earlyhelp`.
#
# Outputs: TAP on stdout; full-page screenshots in screenshots/ (gitignored,
# emptied first). Exits non-zero if any test fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { echo "browser-tests: $*" >&2; }

bash scripts/install-chromium.sh

if [[ ! -d node_modules/playwright-core || ! -d node_modules/axe-core ]]; then
  log "node_modules missing: running npm ci"
  npm ci --ignore-scripts --no-audit --no-fund >&2
fi

if [[ -z "${EARLYHELP_BIN:-}" ]]; then
  log "EARLYHELP_BIN not set: cargo build -p earlyhelp"
  cargo build -p earlyhelp >&2
  export EARLYHELP_BIN="$root/target/debug/earlyhelp"
fi
[[ -x "$EARLYHELP_BIN" ]] || { log "error: $EARLYHELP_BIN is not an executable"; exit 1; }
log "testing $EARLYHELP_BIN"

rm -rf screenshots
mkdir -p screenshots

node --test "$@" tests/browser/
