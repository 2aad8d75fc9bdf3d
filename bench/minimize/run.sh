#!/usr/bin/env bash
# Minimization benchmark: reprokit vs cvise, creduce and delta, side by side.
# Installs the peers from Debian's packages, then runs the Go driver.
# Usage: bash bench/minimize/run.sh [-python 3.12] [-tools reprokit,cvise,creduce,delta] [inputs...]
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v cvise >/dev/null || ! command -v creduce >/dev/null || ! command -v singledelta >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cvise creduce delta >/dev/null
fi
exec go run ./bench/minimize "$@"
