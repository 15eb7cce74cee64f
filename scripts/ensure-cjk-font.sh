#!/usr/bin/env bash
# Install Debian's Noto CJK fonts if they are missing: certificates (study/certificates.py) embed Noto Sans CJK,
# and the units' QR posters (org/poster.py) print their Chinese names with it.
set -euo pipefail
fonts=$(fc-list 2>/dev/null || true)  # read whole: `fc-list | grep -q` can fail on SIGPIPE under pipefail
if grep -qi "Noto Sans CJK" <<<"$fonts" || ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "the Noto CJK font is missing: run 'sudo apt-get install fonts-noto-cjk' (certificates embed it)" >&2
  exit 1
fi
echo "installing Debian's fonts-noto-cjk for the certificates…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null
