#!/usr/bin/env bash
# README command 1: installs everything, builds, then starts the service on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --if-stale
source scripts/launch-env.sh
exec node dist/app/start.js
