#!/usr/bin/env bash
# README command 2: installs everything, makes sure PostgreSQL is up, then runs the whole suite against a real
# Temporal dev server, the Xtremepush simulator and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "test: PostgreSQL is not answering on 127.0.0.1:5432; starting it" >&2
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  else
    echo "test: no PostgreSQL found; install it or set DATABASE_URL to a reachable server" >&2
    exit 1
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

npx tsc --noEmit -p .
# Lint: floating promises, import circles, Node built-ins in workflow code; then formatting.
npx eslint --max-warnings 0 .
npx prettier --check --log-level warn .
# The compiled build: tests that run the service as users do (npm start, the packed client library) use it.
bash scripts/build.sh
exec npx tsx test/run.ts "$@"
