#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suites: starts the
# machine's cluster if it is installed but stopped. Tests create and drop their own databases.
set -euo pipefail
url="${EARLYHELP_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
if pg_isready -d "$url/postgres" -q 2>/dev/null; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "Starting PostgreSQL $version…"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -d "$url/postgres" -q 2>/dev/null && exit 0
    sleep 1
  done
fi
echo "PostgreSQL is not reachable at $url: install it or set EARLYHELP_TEST_POSTGRES" >&2
exit 1
