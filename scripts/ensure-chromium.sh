#!/usr/bin/env bash
# Install Debian's Chromium (for the browser tests) and CJK + emoji fonts if they are missing. The tests drive its
# headless shell (chromium-headless-shell: the same Blink without the browser's user interface, ~40 % less CPU per
# browser test than `chromium --headless`); `chromium` itself is for looking at the pages by hand.
set -euo pipefail
# The font list is read whole first: piped into `grep -q`, fc-list could be cut off by the early exit
# (SIGPIPE), which pipefail counted as "missing" — and the two CI runs then both ran apt-get at once.
fonts=$(fc-list 2>/dev/null || true)
if command -v chromium >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1 \
    && grep -qi "noto.*cjk" <<<"$fonts" && grep -qi "color emoji" <<<"$fonts"; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing: run 'sudo apt-get install chromium chromium-headless-shell fonts-noto-cjk" \
    "fonts-noto-color-emoji' (needed by the browser tests)" >&2
  exit 1
fi
echo "installing Debian's chromium and CJK fonts for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-headless-shell fonts-noto-cjk \
  fonts-noto-color-emoji >/dev/null
