package draft

import (
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
)

// axisChanges says where the verdict changes along a dependency axis
// (--with), interpreter by interpreter: "fails cleanly since packaging
// 22.0 (21.3 reproduces, 22.0 fails-cleanly)"; when every interpreter
// changes alike it is said once. "" without an axis.
func axisChanges(cells []Cell) string {
	axis := ""
	var order []string
	byVersion := map[string][]Cell{}
	for _, c := range cells {
		if c.Axis == "" {
			continue
		}
		axis = c.Axis
		if _, ok := byVersion[c.Version]; !ok {
			order = append(order, c.Version)
		}
		byVersion[c.Version] = append(byVersion[c.Version], c)
	}
	if axis == "" {
		return ""
	}
	var each []string
	first := changesAlong(byVersion[order[0]])
	alike := true
	for _, v := range order {
		ch := changesAlong(byVersion[v])
		each = append(each, "on "+v+", "+ch)
		alike = alike && ch == first
	}
	if alike {
		return " Along " + axis + ": " + first + "."
	}
	return " Along " + axis + ": " + strings.Join(each, "; ") + "."
}

// changesAlong words the verdict changes between consecutive versions of
// the dependency on one interpreter; skipped and errored cells say nothing
// about the bug and are passed over.
func changesAlong(cells []Cell) string {
	var out []string
	var prev *Cell
	for i := range cells {
		cur := &cells[i]
		if cur.Verdict == repro.Skipped || cur.Verdict == repro.ErrorVerdict {
			continue
		}
		if prev != nil && prev.Verdict != cur.Verdict {
			out = append(out, fmt.Sprintf("%s (%s %s, %s %s)", changeWord(cur), prev.AxisVersion, prev.Verdict, cur.AxisVersion, cur.Verdict))
		}
		prev = cur
	}
	if len(out) == 0 && prev != nil {
		return fmt.Sprintf("%s with every version run", prev.Verdict)
	}
	return strings.Join(out, "; ")
}

// changeWord says what a change into cur's verdict means for the bug.
func changeWord(cur *Cell) string {
	at := cur.Axis + " " + cur.AxisVersion
	switch cur.Verdict {
	case repro.Reproduces:
		return "introduced in " + at
	case repro.Fixed:
		return "fixed in " + at
	case repro.FailsCleanly:
		return "fails cleanly since " + at
	}
	return fmt.Sprintf("%s since %s", cur.Verdict, at)
}
