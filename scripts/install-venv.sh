#!/usr/bin/env bash
# Make the virtualenv (`make install`): Ankang, editable, with its test extra.
#
# The wheels it installs are kept in a wheelhouse outside the checkout, one per version of
# pyproject.toml and of Python, so a fresh clone of an unchanged pyproject.toml (CI) installs from
# them without the index (seconds instead of two minutes of downloads). Without that wheelhouse —
# a first run, a changed pyproject.toml, another machine — everything comes from the index as
# before, and the wheels are kept for the next time. ANKANG_WHEELHOUSE=off installs from the index only.
set -euo pipefail
python=${PYTHON:-python3}
venv=${VENV:-.venv}
pip=("$venv/bin/python" -m pip)

test -x "$venv/bin/python" || "$python" -m venv "$venv"

root=${ANKANG_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/ankang/wheelhouse}
if [ "$root" = "off" ]; then
  "${pip[@]}" install -q --upgrade pip
  "${pip[@]}" install -q -e ".[test]"
  exit 0
fi
key=$( { cat pyproject.toml; "$venv/bin/python" -VV; } | sha256sum | cut -c1-16)
house="$root/$key"

if [ -d "$house" ]; then
  if "${pip[@]}" install -q --no-index --find-links "$house" --upgrade pip \
      && "${pip[@]}" install -q --no-index --find-links "$house" -e ".[test]"; then
    exit 0
  fi
  echo "the wheelhouse $house is incomplete: installing from the index" >&2
  rm -rf "$house"
fi

# From the index, through a wheelhouse of our own: every dependency as a wheel (sdists built once),
# plus what building Ankang itself needs (setuptools, wheel), then installed from there.
mkdir -p "$root"
fresh=$(mktemp -d "$root/.new-XXXXXX")
trap 'rm -rf "$fresh"' EXIT
"${pip[@]}" install -q --upgrade pip
"${pip[@]}" wheel -q -w "$fresh" ".[test]"
"${pip[@]}" download -q -d "$fresh" pip "setuptools>=77" wheel
rm -f "$fresh"/ankang-*.whl  # this checkout's own wheel: installed editable from the files instead
"${pip[@]}" install -q --no-index --find-links "$fresh" -e ".[test]"
# Kept only once complete; a concurrent run that got there first wins.
mv -T "$fresh" "$house" 2>/dev/null || true
