#!/usr/bin/env bash
# Installs nginx (Debian's nginx-light) for the production profile's reverse proxy when it is missing.
# Used by `make run-prod`, `make bench-load` and .ci/run. The package's own service is not started:
# the profile runs its own nginx with a generated configuration (bot/ops/nginx.py).
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "nginx is missing: install it (Debian/Ubuntu: sudo apt-get install nginx-light)" >&2
  exit 1
fi
echo "installing nginx-light (reverse proxy of the production profile)…"
# policy-rc.d answering 101 keeps the package from starting its default site on port 80.
policy=/usr/sbin/policy-rc.d
created_policy=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=yes
fi
trap '[ "$created_policy" = yes ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }  # waits while another apt runs
apt_get install -y -qq nginx-light >/dev/null 2>&1 || { apt_get update -qq && apt_get install -y -qq nginx-light; }
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]
