#!/usr/bin/env bash
# The fast loop against the full one: `go test -short ./...` (what a
# developer runs after each edit) and `go test ./...` (what CI and the
# README run), timed back to back on this machine, and the ratio (target:
# the short run takes at most 35 % of the full run's wall time).
#
# Usage: bash bench/loop/run.sh [ROUNDS]   (default 1; writes nothing in
# the repo: the runs' output goes to a temporary directory it names)
#
# The build cache is warmed first, so that neither run pays for compiling
# what the other compiled; -count=1 so that neither is served from the
# test cache; -timeout 30m so that a loaded machine times the whole run,
# not the default 10-minute limit. With ROUNDS > 1 the two runs
# alternate, full first, and each round is printed. A failing test does
# not stop the timing: each run's exit status is printed with its time.
# Quiet machine wanted: the specs run processes in parallel and their time
# grows with the machine's load (the load average is printed).
set -uo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-1}
logs=$(mktemp -d)
echo "logs: $logs"
go test -count=1 -run '^$' ./... >/dev/null 2>&1 || true # build and link every test binary
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
printf '%-6s %10s %6s %10s %6s %7s  %s\n' round "full (s)" exit "short (s)" exit ratio load
for r in $(seq "$rounds"); do
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(now); go test -count=1 -timeout 30m ./... >"$logs/full-$r.log" 2>&1; full_rc=$?; t1=$(now)
	t2=$(now); go test -count=1 -timeout 30m -short ./... >"$logs/short-$r.log" 2>&1; short_rc=$?; t3=$(now)
	full=$(secs "$t0" "$t1") short=$(secs "$t2" "$t3")
	printf '%-6s %10s %6s %10s %6s %6s%%  %s\n' "$r" "$full" "$full_rc" "$short" "$short_rc" \
		"$(awk -v s="$short" -v f="$full" 'BEGIN { printf "%.0f", 100 * s / f }')" "$load"
done
grep -h -- '--- FAIL' "$logs"/*.log | sort | uniq -c || true
