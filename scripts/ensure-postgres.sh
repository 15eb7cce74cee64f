#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is installed but stopped; wait until it accepts connections.
# Also check that initdb and pg_ctl are there: the fault tests (issue 17) start a server of their own
# on a free port with them (bench/pgserver.py), whatever the suite's database.
set -euo pipefail
host=${PGHOST:-127.0.0.1}
bindir=${ANKANG_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if ! command -v pg_ctl >/dev/null 2>&1 && ! [ -x "${bindir:-/nonexistent}/pg_ctl" ]; then
  echo "PostgreSQL's initdb/pg_ctl not found: install it (apt-get install postgresql) for the fault tests" >&2
  exit 1
fi
if pg_isready -h "$host" -q 2>/dev/null; then exit 0; fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: install it (apt-get install postgresql) to run the PostgreSQL suite" >&2
  exit 1
fi
for version in $(ls /etc/postgresql); do
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
done
for _ in $(seq 1 60); do
  pg_isready -h "$host" -q && exit 0
  sleep 0.5
done
echo "PostgreSQL did not come up on $host" >&2
exit 1
