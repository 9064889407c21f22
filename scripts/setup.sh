#!/usr/bin/env bash
# Creates .venv and installs meetingroom into it; shared by scripts/start and scripts/test.
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "meetingroom needs Python 3.11 or newer; found: $("$PY" --version 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    # Debian ships venv separately (python3-venv); install it when we can.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      rm -rf .venv && "$PY" -m venv .venv
    else
      echo "python3 -m venv failed: install python3-venv (sudo apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
fi
extras=${1:-}
# uv installs exactly the versions in uv.lock (committed); pyproject.toml keeps the ranges for
# people who install the package. After changing dependencies: `.venv/bin/uv lock` (README).
UV_VERSION=0.13.8
if [ "$(.venv/bin/uv --version 2>/dev/null)" != "uv $UV_VERSION" ]; then
  .venv/bin/python -m pip install -q "uv==$UV_VERSION"
fi
sync_args=()
[ -n "$extras" ] && sync_args=(--extra "$extras")
# The one install command (the Dockerfile runs the same; tests/test_deploy.py checks it).
# --locked: fail if uv.lock no longer matches pyproject.toml; --inexact: keep pip and uv itself.
.venv/bin/uv sync --locked --inexact "${sync_args[@]}"
