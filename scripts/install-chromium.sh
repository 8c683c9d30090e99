#!/usr/bin/env bash
# Install Debian's Chromium (and chromedriver) for the browser tests, if missing.
#
#   scripts/install-chromium.sh
#
# Idempotent: does nothing when /usr/bin/chromium already exists. Otherwise runs
# `apt-get update && apt-get install -y chromium chromium-driver`, as root
# directly (CI) or through sudo when not root and sudo exists.
set -euo pipefail

log() { echo "install-chromium: $*" >&2; }
die() { echo "install-chromium: error: $*" >&2; exit 1; }

chromium=/usr/bin/chromium

if [[ -x "$chromium" ]]; then
  log "already installed: $("$chromium" --version 2>/dev/null || echo "$chromium")"
  exit 0
fi

command -v apt-get >/dev/null || die "$chromium is missing and apt-get is not available; install Chromium by hand"

if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  die "$chromium is missing; run this script as root (or install sudo) to apt-get install chromium"
fi

log "$chromium is missing: running ${as_root[*]:+${as_root[*]} }apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
log "running ${as_root[*]:+${as_root[*]} }apt-get install -y chromium chromium-driver"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

[[ -x "$chromium" ]] || die "apt-get finished but $chromium is still missing"
log "installed: $("$chromium" --version 2>/dev/null || echo "$chromium")"
