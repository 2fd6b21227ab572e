#!/usr/bin/env bash
# The browser test needs a Chromium. Playwright cannot download its own here, so
# use the system one, installing Debian's package when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser test needs Chromium: install it (e.g. 'sudo apt-get install chromium') and run make test again." >&2
exit 1
