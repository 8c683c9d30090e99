#!/usr/bin/env bash
# Runs every test suite, as CI does: formatting and lints, the front-end assets check, unit,
# property, store and HTTP tests on SQLite and PostgreSQL, the command-line tests, and the
# real-browser suite in headless Chromium with axe-core.
#
#   scripts/test.sh            everything
#   scripts/test.sh --no-browser   skip the Chromium suite (quicker while editing)
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}"          # PostgreSQL tests fail rather than skip when it is missing
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
browser=1
[ "${1:-}" = "--no-browser" ] && browser=0

step() { printf '\n== %s\n' "$*"; }

step "PostgreSQL"
scripts/ensure-postgres.sh

step "Formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Dependencies: licences, bans, sources (and advisories when their database can be fetched)"
scripts/deny.sh

step "Front-end assets match their source"
scripts/build-assets.sh --check

step "Unit, property, store, HTTP and command-line tests (SQLite and PostgreSQL)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi

if [ "$browser" = 1 ]; then
  step "Browser tests (headless Chromium, axe-core)"
  # The test run above built the binary (the command-line tests need it); building it again
  # with `-p earlyhelp` alone would resolve features differently and recompile half the tree.
  bin="$PWD/target/debug/earlyhelp"
  [ -x "$bin" ] || cargo build --workspace --locked
  EARLYHELP_BIN="$bin" scripts/browser-tests.sh
fi

step "All test suites passed"
