#!/usr/bin/env bash
# Minimization benchmark: reprokit vs cvise, creduce, delta, shrinkray and
# pysource-minimize, side by side. Installs the peers (Debian's packages;
# shrinkray, pysource-minimize and pyflakes as wheels into a virtualenv in
# the XDG cache), then runs the Go driver.
# Usage: bash bench/minimize/run.sh [-python 3.12] [-budget 8m] [-tools hand,reprokit,delta,...] [inputs...]
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v cvise >/dev/null || ! command -v creduce >/dev/null || ! command -v singledelta >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cvise creduce delta >/dev/null
fi
venv="${XDG_CACHE_HOME:-$HOME/.cache}/reprokit-bench/venv"
if [ ! -x "$venv/bin/shrinkray" ] || [ ! -x "$venv/bin/pyflakes" ]; then
  # shrinkray needs Python 3.12+; wheels only, so nothing compiles here.
  py=$(command -v python3.12 || command -v python3.13 || echo "$HOME/.pyenv/versions/3.12.1/bin/python")
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q --only-binary :all: shrinkray pysource-minimize pyflakes
fi
exec go run ./bench/minimize -venv "$venv" "$@"
