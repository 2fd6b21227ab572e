#!/usr/bin/env bash
# Rewrites constraints.txt from the packages installed in .venv, so that the next
# fresh install takes exactly those versions without pip backtracking.
# Run after changing a dependency in pyproject.toml and checking that it resolves.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  head -3 constraints.txt
  .venv/bin/pip freeze --exclude-editable | grep -v -i '^peerbot'
} > constraints.txt.new
mv constraints.txt.new constraints.txt
