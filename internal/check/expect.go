package check

import (
	"sort"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// UpdateRuns is how many times `check --update` runs each cell when no
// --count is given: one run cannot tell a flaky repro from a deterministic
// one, and an expectation recorded from one lucky run would be wrong.
const UpdateRuns = 3

// RunsPerCell is the count a check uses: an explicit --count wins; an
// update runs each cell at least UpdateRuns times.
func RunsPerCell(count int, explicit, update bool) int {
	if update && !explicit {
		return max(count, UpdateRuns)
	}
	return count
}

// UpdatedExpectations returns a repro's expectations after a check: each
// toolchain run gets its verdict under its minor version ("3.12"), or its
// full version where two toolchains of one minor version disagree. Entries
// that matched a toolchain that ran are replaced; the others (toolchains not
// on this machine) are kept. Errors are never recorded.
func UpdatedExpectations(old map[string]repro.Verdict, cells []Cell) map[string]repro.Verdict {
	// Only cells with a verdict replace entries: an error says nothing
	// about the bug, so the entries it matched stay as they were.
	ran := map[string]bool{}
	for _, c := range cells {
		if c.Verdict != repro.ErrorVerdict {
			ran[c.Toolchain.Version] = true
		}
	}
	out := map[string]repro.Verdict{}
	for key, v := range old {
		if !matchesAny(key, ran) {
			out[key] = v
		}
	}
	byMinor := map[string][]Cell{}
	var errored []Cell
	for _, c := range cells {
		if c.Verdict == repro.ErrorVerdict {
			errored = append(errored, c)
			continue
		}
		m := toolchain.Minor(c.Toolchain.Version)
		byMinor[m] = append(byMinor[m], c)
	}
	for m, cs := range byMinor {
		agree := true
		for _, c := range cs {
			agree = agree && c.Verdict == cs[0].Verdict
		}
		for _, c := range cs {
			if agree {
				out[m] = c.Verdict
			} else {
				out[c.Toolchain.Version] = c.Verdict
			}
		}
	}
	// An errored cell whose minor's entry was rewritten by its sibling
	// keeps its own old expectation under its full version.
	for _, c := range errored {
		if c.Expected != "" && out[toolchain.Minor(c.Toolchain.Version)] != c.Expected {
			if _, kept := out[c.Toolchain.Version]; !kept {
				out[c.Toolchain.Version] = c.Expected
			}
		}
	}
	return out
}

func matchesAny(key string, versions map[string]bool) bool {
	for v := range versions {
		if toolchain.HasVersionPrefix(v, key) {
			return true
		}
	}
	return false
}

// Stale lists the expectation keys that match none of the toolchain
// versions that ran: reported, since the CI machine may have them.
func Stale(expect map[string]repro.Verdict, versions map[string]bool) []string {
	var out []string
	for key := range expect {
		if !matchesAny(key, versions) {
			out = append(out, key)
		}
	}
	sort.Slice(out, func(i, j int) bool { return toolchain.CompareVersions(out[i], out[j]) < 0 })
	return out
}
