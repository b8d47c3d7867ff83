#!/usr/bin/env bash
# README command 1: installs everything, then starts the service on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx tsx app/start.ts
