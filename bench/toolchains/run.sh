#!/usr/bin/env bash
# Toolchain benchmark: fetching a Go release through the module proxy, the
# Go corpus matrix with and without the warm standard-library cache, and a
# PEP 723 environment built cold versus taken from the cache.
# Usage: bash bench/toolchains/run.sh   (needs the network for the fetch and
# the Python package index; prints a table, writes nothing in the repo)
set -euo pipefail
cd "$(dirname "$0")/../.."
RK=$(mktemp -d)/reprokit
go build -o "$RK" ./cmd/reprokit
GOS=1.18.10,1.19.13,1.20.14,1.21.13,1.22.0,1.22.12,1.26.8
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT

# 1. One release fetched into an empty module cache (what a fresh machine does).
t0=$(now)
GOMODCACHE=$tmp/modcache GOTOOLCHAIN=go1.21.13 go version >/dev/null 2>&1
t1=$(now)
echo "fetch go1.21.13 into an empty module cache: $(secs "$t0" "$t1") s ($(du -sh "$tmp/modcache" | cut -f1) unpacked)"

# 2. The Go corpus matrix: cold standard-library cache, then warm.
export REPROKIT_GOCACHE=$tmp/gocache
cells=$(( $(ls repros/go_*.txtar | wc -l) * 7 ))
t0=$(now); nice -n 10 "$RK" check -j 2 --no-cache --go $GOS repros/go_*.txtar >/dev/null 2>&1 || true; t1=$(now)
echo "Go matrix, $cells cells, -j 2, cold warm cache (std built once per toolchain): $(secs "$t0" "$t1") s"
t0=$(now); nice -n 10 "$RK" check -j 2 --no-cache --go $GOS repros/go_*.txtar >/dev/null 2>&1 || true; t1=$(now)
echo "Go matrix, $cells cells, -j 2, warm: $(secs "$t0" "$t1") s"

# 3. Per cell: one repro on each release, with and without the warm cache.
t0=$(now); nice -n 10 "$RK" run -j 1 --go $GOS repros/go_rand_fixed_seed.txtar >/dev/null 2>&1 || true; t1=$(now)
echo "per cell with the warm std cache: $(secs "$t0" "$t1") s for 7 cells"
t0=$(now); REPROKIT_NO_GOCACHE=1 nice -n 10 "$RK" run -j 1 --go $GOS repros/go_rand_fixed_seed.txtar >/dev/null 2>&1 || true; t1=$(now)
echo "per cell without it (std rebuilt in the cell): $(secs "$t0" "$t1") s for 7 cells"

# 4. A PEP 723 environment: built cold, then from the cache.
export XDG_CACHE_HOME=$tmp/xdg
t0=$(now); "$RK" run repros/packaging_legacy_version.txtar >/dev/null 2>&1 || true; t1=$(now)
echo "packaging_legacy_version, environment built (venv + pip from the index): $(secs "$t0" "$t1") s"
t0=$(now); "$RK" run repros/packaging_legacy_version.txtar >/dev/null 2>&1 || true; t1=$(now)
echo "packaging_legacy_version, environment cached: $(secs "$t0" "$t1") s"
