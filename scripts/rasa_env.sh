#!/usr/bin/env bash
# Builds (once) the separate Python 3.10 environment that Rasa Open Source needs.
# Rasa cannot share our Python >= 3.11 environment, so it lives outside the repository,
# in a cache that later runs on the same machine reuse. Prints the environment's path.
set -euo pipefail
RASA_VERSION=3.6.21
PY310="${SUPPORTBOT_PY310:-/root/.pyenv/versions/3.10.13/bin/python}"
ENV_DIR="${SUPPORTBOT_RASA_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/supportbot/rasa-$RASA_VERSION}"
if [ -x "$ENV_DIR/bin/rasa" ] && [ -f "$ENV_DIR/.complete" ]; then
  echo "$ENV_DIR"; exit 0
fi
if [ ! -x "$PY310" ]; then
  echo "rasa_env.sh: Rasa $RASA_VERSION needs Python 3.8-3.10; none at $PY310 (set SUPPORTBOT_PY310)" >&2
  exit 2
fi
rm -rf "$ENV_DIR"
mkdir -p "$(dirname "$ENV_DIR")"
"$PY310" -m venv "$ENV_DIR" >&2
"$ENV_DIR/bin/pip" install --quiet --upgrade "pip<25" >&2
# Rasa 3.6 pins an old setuptools-era stack; its own resolver set is what it was tested with.
"$ENV_DIR/bin/pip" install --quiet "rasa==$RASA_VERSION" >&2
touch "$ENV_DIR/.complete"
echo "$ENV_DIR"
