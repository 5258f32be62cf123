#!/usr/bin/env bash
# Set up and serve migration-kb on an embedded SQLite database in ./instance.
# On the first start it imports the shipped knowledge base (kb/) and builds the search index.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/migration-kb serve "$@"
