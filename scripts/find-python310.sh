#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains what to install.
# Rasa 3.6 runs on Python 3.8-3.10 only, so the project needs 3.10 exactly.
set -u
# Prints the real interpreter path (not a pyenv shim) when $1 is a working 3.10.
resolve() { "$1" -c 'import sys; assert sys.version_info[:2] == (3, 10); print(sys.executable)' 2>/dev/null; }

if command -v python3.10 >/dev/null 2>&1 && resolve python3.10; then
  exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  for candidate in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do
    if [ -x "$candidate" ] && resolve "$candidate"; then
      exit 0
    fi
  done
fi
cat >&2 <<'MSG'
peerbot needs Python 3.10 (Rasa 3.6 supports Python 3.8-3.10 only) and none was found.
Install one of:
  - your system package, e.g. `apt-get install python3.10 python3.10-venv`, or
  - pyenv: `pyenv install 3.10.13`
then run the make command again.
MSG
exit 1
