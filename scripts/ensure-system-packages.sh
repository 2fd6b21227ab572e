#!/usr/bin/env bash
# Debian packages the tests use besides Python's: Chromium for the browser test (Playwright
# cannot download its own here) and nginx for the multi-process layout. Each is installed
# from Debian's packages when it is missing. Arguments name which (chromium, nginx);
# none: both.
set -euo pipefail
wanted=("${@:-chromium nginx}")
wanted=(${wanted[*]})
missing=()
for name in "${wanted[@]}"; do
  case "$name" in
    chromium) command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium) ;;
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light) ;;
    *) echo "ensure-system-packages: unknown package $name" >&2; exit 2 ;;
  esac
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's ${missing[*]} for the tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "The tests need ${missing[*]}: install them (e.g. 'sudo apt-get install ${missing[*]}') and run make test again." >&2
exit 1
