package runner

import (
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
)

// topSkip decides the skips at the top of a script that depend only on
// reprokit's own version conditions (`[!python:3.12] skip 'needs 3.12'`)
// before anything is built for the cell: a dependency environment or a
// warm Go cache costs seconds to minutes, and a cell the script skips
// there would throw it away. It reads the script's lines up to the first
// one that is not such a skip; any other condition, a message with a
// variable, or any other command stops it, and the sandbox decides as
// always. ok says the cell is skipped; reason is the skip's message, as
// the sandbox would give it, and log says where it was decided.
func topSkip(script string, versions map[string]string) (reason, log string, ok bool) {
	lines, err := repro.Lines(script)
	if err != nil {
		return "", "", false
	}
	for _, l := range lines {
		if len(l.Words) == 0 || l.Words[0] != "skip" || l.Neg || len(l.Words) > 2 || len(l.Conds) == 0 || strings.Contains(l.Text, "$") {
			return "", "", false
		}
		all := true
		for _, c := range l.Conds {
			want := !strings.HasPrefix(c, "!")
			holds, known := sandbox.VersionCondition(versions, strings.TrimPrefix(c, "!"))
			if !known {
				return "", "", false
			}
			all = all && holds == want
		}
		if all {
			if len(l.Words) == 2 {
				reason = l.Words[1]
			}
			return reason, fmt.Sprintf("> %s\n[script:%d: skipped before the run, from the toolchain's version: nothing was built for this cell]\n", strings.TrimSpace(l.Text), l.Num), true
		}
	}
	return "", "", false
}
