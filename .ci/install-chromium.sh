#!/usr/bin/env bash
# Installs Debian's chromium for the browser end-to-end test (test/node/browser.e2e.test.ts).
# Idempotent: does nothing when /usr/bin/chromium exists. Run as root (CI is root).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium: missing, and installing it needs root: sudo bash $0" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium
/usr/bin/chromium --version
