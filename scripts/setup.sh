#!/usr/bin/env bash
# Create .venv and install migration-kb with the locked dependency versions (requirements.lock).
# Usage: scripts/setup.sh [--test]   (--test adds the test tools, Chromium and PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
[ -x .venv/bin/python ] || uv venv --quiet -p python3 .venv

if [ "${1:-}" = "--test" ]; then
  uv pip install --quiet -p .venv -r requirements-test.lock -e ".[test]"
  # Debian packages the tests use: a real Chromium for browser tests, PostgreSQL for the PG suite.
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
    else
      echo "warning: install ${missing[*]} (sudo apt-get install ${missing[*]}) to run every test" >&2
    fi
  fi
  # axe-core for the accessibility checks of the browser tests (from the npm registry).
  if command -v npm >/dev/null 2>&1 && [ ! -f node_modules/axe-core/axe.min.js ]; then
    npm install --silent --no-audit --no-fund >/dev/null
  fi
else
  uv pip install --quiet -p .venv -r requirements.lock -e .
fi
