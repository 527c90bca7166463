#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --dev
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
