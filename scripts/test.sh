#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite (pytest's exit code is this script's).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check src tests bench testkit
.venv/bin/lint-imports --no-cache
.venv/bin/migration-kb check kb
exec .venv/bin/python -m pytest "$@"
