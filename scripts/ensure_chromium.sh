#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the Playwright browser tests when it is missing
# (`playwright install` cannot download its own browser here). Used by .ci/run.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing: install it (Debian: sudo apt-get install chromium)" >&2
  exit 1
fi
echo "installing chromium (browser tests of the caseworker console)…"
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }  # waits while another apt runs
apt_get install -y -qq chromium >/dev/null 2>&1 || { apt_get update -qq && apt_get install -y -qq chromium; }
test -x /usr/bin/chromium
