#!/usr/bin/env bash
# Compiles the service to dist/ and bundles its workflows once, so that running it needs neither a TypeScript
# compiler nor a bundler at start. `--if-stale`: only when a source file is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/.."

STAMP=dist/.build-stamp
if [ "${1:-}" = "--if-stale" ] && [ -f "$STAMP" ] && [ -z "$(find . -path ./node_modules -prune -o -path ./dist -prune -o -path ./.data -prune -o -path ./.tools -prune -o \( -name '*.ts' -o -name package.json -o -name 'tsconfig*.json' \) -newer "$STAMP" -print -quit)" ]; then
  exit 0
fi
echo "build: compiling to dist/" >&2
rm -rf dist
npx tsc -p tsconfig.build.json
node dist/worker/bundles.js >&2
touch "$STAMP"
