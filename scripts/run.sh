#!/usr/bin/env bash
# The README's first command: install, train the models if missing or stale, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/supportbot run --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"
