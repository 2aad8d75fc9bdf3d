package draft

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// StatedWords says the stated versions in a few words: "3.12; not 3.11".
func StatedWords(st repro.Stated) string {
	var parts []string
	if len(st.Affected) > 0 {
		parts = append(parts, strings.Join(st.Affected, ", "))
	}
	if len(st.Unaffected) > 0 {
		parts = append(parts, "not "+strings.Join(st.Unaffected, ", "))
	}
	return strings.Join(parts, "; ")
}

// Comparison is the matrix next to what the issue states.
type Comparison struct {
	Comparable bool     // some toolchain here falls under a stated version
	Agrees     bool     // and none contradicts it
	Conflicts  []string // "3.12.1 does not reproduce, though the issue names 3.12"
	Sentence   string
}

// preRE is a pre-release: 3.13.0a5, 3.12.0rc1, 1.22rc2.
var preRE = regexp.MustCompile(`\d(a|b|rc)\d+$`)

// coarsen reads a stated patch release that is not here as its minor
// version: a reporter names the build they had, not a boundary.
func coarsen(st repro.Stated, cells []Cell) repro.Stated {
	widen := func(vs []string) []string {
		var out []string
		for _, v := range vs {
			here := false
			for _, c := range cells {
				here = here || toolchain.HasVersionPrefix(c.Version, v)
			}
			if !here && preRE.MatchString(v) {
				// A pre-release regression says nothing of the final
				// release: it stays as stated, and nothing here is it.
				out = append(out, v)
				continue
			}
			if parts := strings.Split(v, "."); !here && len(parts) == 3 {
				v = parts[0] + "." + parts[1]
			}
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	return repro.Stated{Affected: widen(st.Affected), Unaffected: widen(st.Unaffected)}
}

// Compare sets the matrix beside the versions the issue states.
func Compare(st repro.Stated, cells []Cell) Comparison {
	var c Comparison
	st = coarsen(st, cells)
	for _, cell := range cells {
		if cell.Verdict == repro.Skipped || cell.Verdict == repro.ErrorVerdict {
			continue
		}
		rep := cell.Verdict == repro.Reproduces || cell.Verdict == repro.Flaky
		for _, v := range st.Affected {
			if toolchain.HasVersionPrefix(cell.Version, v) {
				c.Comparable = true
				if !rep {
					c.Conflicts = append(c.Conflicts, fmt.Sprintf("%s is %s, though the issue names %s", cell.Version, cell.Verdict, v))
				}
			}
		}
		for _, v := range st.Unaffected {
			if toolchain.HasVersionPrefix(cell.Version, v) {
				c.Comparable = true
				if rep {
					c.Conflicts = append(c.Conflicts, fmt.Sprintf("%s reproduces, though the issue says %s is not affected", cell.Version, v))
				}
			}
		}
	}
	c.Agrees = c.Comparable && len(c.Conflicts) == 0
	b := Boundary(cells)
	if b == "" {
		b = "Ran on no toolchain."
	}
	said := StatedWords(st)
	switch {
	case said == "":
		c.Sentence = b + " The issue names no version to compare with."
	case !c.Comparable:
		c.Sentence = fmt.Sprintf("%s The issue says %s: none of those versions is here to compare.", b, said)
	case c.Agrees:
		c.Sentence = fmt.Sprintf("%s The issue says %s: the matrix agrees.", b, said)
	default:
		c.Sentence = fmt.Sprintf("%s The issue says %s: the matrix disagrees (%s).", b, said, strings.Join(c.Conflicts, "; "))
	}
	return c
}
