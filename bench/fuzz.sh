#!/usr/bin/env bash
# Long fuzz runs of the parsers reprokit feeds untrusted text to: the
# archive and metadata parser, signature extraction and redaction.
# `go test ./...` runs the committed corpora (testdata/fuzz) as seeds; this
# script explores further. New interesting inputs land in Go's cache; copy
# the ones worth keeping into testdata/fuzz/NAME/.
#   bash bench/fuzz.sh [DURATION]   (default 5m each)
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-5m}
go test ./internal/repro -run '^$' -fuzz '^FuzzParse$' -fuzztime "$t"
go test ./internal/signature -run '^$' -fuzz '^FuzzExtract$' -fuzztime "$t"
go test ./internal/redact -run '^$' -fuzz '^FuzzRedact$' -fuzztime "$t"
