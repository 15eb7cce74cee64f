#!/usr/bin/env bash
# Make the virtualenv (`make install`): Ankang, editable, with its test extra.
#
# Installing the dependencies writes 830 MB in 19,000 files. uv (Astral's installer, from PyPI, put in the
# environment by pip) resolves, downloads and links them in parallel from its own cache: side by side on this
# machine, quiet, from empty caches, 27 s where pip took 49 s for the same 87 packages at the same versions
# (bytecode compiled by both); pip is the fallback if uv cannot be installed or fails. Bytecode is compiled at
# install, as pip does (else every process without a writable cache compiles the dependencies again, and jieba's
# old escapes warn in the suites). A finished environment of the dependencies is also kept outside the checkout,
# one per pyproject.toml and Python (~/.cache/ankang/venvs/<key>), and a fresh clone of an unchanged
# pyproject.toml (CI) gets a copy of it made of hard links (5 s: no resolution, no data written), its scripts
# pointed at the clone's .venv, and Ankang installed editable from the clone's own files on top. Without a kept
# environment — a first run, a changed pyproject.toml, a new machine — everything is installed from the index,
# and then kept. An existing .venv is updated in place. ANKANG_VENV_CACHE=off: from the index only.
set -euo pipefail
python=${PYTHON:-python3}
venv=${VENV:-.venv}
cache=${ANKANG_VENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ankang/venvs}

from_index() {  # $1: the environment, $2...: what to install
  test -x "$1/bin/python" || "$python" -m venv "$1"
  if "$1/bin/python" -m pip install -q uv && "$1/bin/uv" pip install -q --compile-bytecode --python "$1/bin/python" "${@:2}"; then
    return
  fi
  echo "install-venv: uv failed; installing with pip" >&2
  "$1/bin/python" -m pip install -q --upgrade pip
  "$1/bin/python" -m pip install -q "${@:2}"
}

if [ "$cache" = off ] || [ -e "$venv" ]; then
  from_index "$venv" -e ".[test]"
  exit 0
fi

key=$( { cat pyproject.toml; "$python" -VV; command -v "$python"; } | sha256sum | cut -c1-16)
kept="$cache/$key"
if [ ! -x "$kept/bin/python" ]; then
  mkdir -p "$cache"
  building=$(mktemp -d "$cache/.new-XXXXXX")
  trap 'rm -rf "$building"' EXIT
  # The dependencies only (Ankang itself is installed and removed again), and what an editable
  # install of Ankang needs to build without the index.
  from_index "$building" -e ".[test]" "setuptools>=77" wheel
  "$building/bin/python" -m pip uninstall -q -y ankang
  echo "$building" >"$building/.made-at"
  # Kept only once complete; a concurrent run that got there first wins.
  mv -T "$building" "$kept" 2>/dev/null || true
  trap - EXIT
  rm -rf "$building"
  # The three newest are kept (each is 830 MB; clones made from older ones keep their own links).
  ls -1t "$cache" | tail -n +4 | while read -r old; do rm -rf "${cache:?}/$old"; done
fi

cp -al "$kept" "$venv" 2>/dev/null || { rm -rf "$venv"; cp -a "$kept" "$venv"; }  # another file system: a copy
made_at=$(cat "$venv/.made-at")
rm "$venv/.made-at"
here=$(cd "$venv" && pwd)
# Scripts name the environment's own path (shebangs, activate): rewritten files, not the kept ones'.
grep -rlIF --null "$made_at" "$venv/bin" | xargs -0 -r sed -i "s|$made_at|$here|g"
"$venv/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
