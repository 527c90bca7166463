#!/usr/bin/env bash
# Installs everything the project needs into .venv (idempotent; fast when already done).
#   scripts/install.sh          the server
#   scripts/install.sh --dev    plus the test tools and Debian's headless Chromium
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PIP=".venv/bin/pip --disable-pip-version-check -q"
# torch first and pinned: 2.13.0 is the CPU wheel; any other spec pulls GBs of CUDA.
if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  $PIP install "torch==2.13.0"
fi
extras=""
if [ "${1:-}" = "--dev" ]; then
  extras="[dev]"
fi
# Reinstall only when the dependency list changed.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-dev}"
if [ ! -f "$stamp" ]; then
  $PIP install -e ".${extras}"
  touch "$stamp"
fi

if [ "${1:-}" = "--dev" ] && { ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }; then
  # Browser tests drive Debian's Chromium; test tools that download their own fail here.
  # The CJK and emoji fonts: without them Chinese renders as boxes in the screenshots.
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk \
       fonts-noto-color-emoji) >/dev/null
  else
    echo "note: install Debian's chromium for the browser tests (sudo apt-get install chromium)" >&2
  fi
fi
