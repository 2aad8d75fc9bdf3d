// Package check is the regression check, `reprokit check`: it runs each
// repro on its toolchains (reusing results cached as `go test` caches them,
// resultcache.go), compares each run's verdict with the expectation
// recorded for its toolchain, names the transition and what it means,
// states the boundaries of each repro's matrix in words, splits the cells
// into shards and merges them back, and renders the report for people and
// machines (checkreport.go).
package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Cell is one (repro, toolchain) of a check: the run's result (the same
// object `run --json` prints, whose `expected` is the expectation) plus the
// transition from that expectation.
type Cell struct {
	runner.Result
	// Transition is "reproduces → fixed", "new" (no expectation recorded),
	// or empty when the verdict is the expected one.
	Transition string `json:"transition,omitempty"`
	// Meaning says what the transition means for the upstream bug.
	Meaning string `json:"meaning,omitempty"`
	// Attention is set when the cell makes the check fail.
	Attention bool `json:"attention"`
	// Cached is set when the result came from the result cache.
	Cached bool `json:"cached,omitempty"`
	// Shard is the "I/N" that ran the cell, when sharded.
	Shard string `json:"shard,omitempty"`
}

// New is the transition of a cell whose toolchain has no expectation.
const New = "new"

// Classify fills the transition of c from its expectation and verdict.
func Classify(c *Cell) {
	c.Transition, c.Meaning, c.Attention = "", "", false
	exp, got := c.Expected, c.Verdict
	switch {
	case exp == "":
		c.Transition = New
		c.Meaning = "no expectation recorded for this toolchain; `check --update` records it"
		if got == repro.ErrorVerdict {
			c.Attention = true
		}
		return
	case exp == got, singleRunOfFlaky(exp, got, c.Rate):
		return
	}
	c.Transition = string(exp) + " → " + string(got)
	c.Attention = true
	c.Meaning = meaning(exp, got)
}

// singleRunOfFlaky reports whether one run (no rate) of a repro expected to
// be flaky ended in a verdict about the bug: one run cannot show a mix, so
// any of them is what a flaky repro does. An error or a skip is not.
func singleRunOfFlaky(exp, got repro.Verdict, rate string) bool {
	return exp == repro.Flaky && rate == "" && got != repro.ErrorVerdict && got != repro.Skipped
}

func meaning(exp, got repro.Verdict) string {
	switch {
	case got == repro.ErrorVerdict:
		return "the harness failed or the time limit hit: not a verdict on the bug"
	case exp == repro.Reproduces && got == repro.Fixed:
		return "the make-it-work fix landed"
	case exp == repro.Reproduces && got == repro.FailsCleanly:
		return "the fail-cleanly fix landed"
	case exp == repro.FailsCleanly && got == repro.Fixed:
		return "the make-it-work fix landed (it used to fail cleanly)"
	case got == repro.Reproduces && (exp == repro.Fixed || exp == repro.FailsCleanly):
		return "regression: the bug is back"
	case exp == repro.Fixed && got == repro.FailsCleanly:
		return "regression: it no longer works, though it fails cleanly"
	case got == repro.Changed:
		return "behaviour differs from everything known: triage needed"
	case got == repro.Slipped:
		return "a different bug now: the script passes with another signature"
	case got == repro.Flaky:
		return "intermittent now: look at the rate"
	case got == repro.Skipped:
		return "no longer runs here: a condition or the toolchain is missing"
	case exp == repro.Skipped:
		return "runs here now: record what it does"
	}
	return fmt.Sprintf("expected %s, got %s", exp, got)
}

// Landed reports whether the cell's transition is an upstream fix landing.
func (c Cell) Landed() bool {
	switch c.Expected {
	case repro.Reproduces:
		return c.Verdict == repro.Fixed || c.Verdict == repro.FailsCleanly
	case repro.FailsCleanly:
		return c.Verdict == repro.Fixed
	}
	return false
}

// Sort orders cells by archive, then toolchain version: the order of every
// output, so that a merged report equals an unsharded one.
func Sort(cells []Cell) {
	sort.SliceStable(cells, func(i, j int) bool { return cellPlace(cells[i]).less(cellPlace(cells[j])) })
}

// place is where a cell goes in every output: by archive, then toolchain
// version, then toolchain name. A check's plan is sorted the same way
// before it is sharded.
type place struct{ file, version, name string }

func cellPlace(c Cell) place { return place{c.File, c.Toolchain.Version, c.Toolchain.Name} }

func jobPlace(j runner.Job) place { return place{j.Repro.Path, j.Toolchain.Version, j.Toolchain.Name} }

func (a place) less(b place) bool {
	if a.file != b.file {
		return a.file < b.file
	}
	if c := toolchain.CompareVersions(a.version, b.version); c != 0 {
		return c < 0
	}
	return a.name < b.name
}

// ByFile groups sorted cells by archive, keeping the order.
func ByFile(cells []Cell) (files []string, groups map[string][]Cell) {
	groups = map[string][]Cell{}
	for _, c := range cells {
		if _, ok := groups[c.File]; !ok {
			files = append(files, c.File)
		}
		groups[c.File] = append(groups[c.File], c)
	}
	return files, groups
}

// Boundaries states where a repro's verdict changes along the version
// order: "introduced in 3.12 (3.11.7 fixed, 3.12.1 reproduces)". Skipped
// and errored cells say nothing about the bug and are passed over.
func Boundaries(cells []Cell) []string {
	var known []Cell
	for _, c := range cells {
		if c.Verdict != repro.Skipped && c.Verdict != repro.ErrorVerdict && !CannotApply(c.Result) {
			known = append(known, c)
		}
	}
	var out []string
	for i := 1; i < len(known); i++ {
		prev, cur := known[i-1], known[i]
		if prev.Verdict == cur.Verdict {
			continue
		}
		// Across minors the change is "in 3.11"; within one minor the
		// releases between the two run are unknown, so it happened
		// "between 1.22.0 and 1.22.12".
		// Along a dependency axis (--with) the versions are the
		// dependency's: "fixed in trio 0.23".
		axis := ""
		if cur.Toolchain.Axis != "" {
			axis = cur.Toolchain.Axis + " "
		}
		at := "in " + axis + toolchain.Minor(cur.Toolchain.Version)
		if toolchain.Minor(cur.Toolchain.Version) == toolchain.Minor(prev.Toolchain.Version) {
			at = "between " + axis + prev.Toolchain.Version + " and " + cur.Toolchain.Version
		}
		evidence := fmt.Sprintf("(%s %s, %s %s)", prev.Toolchain.Version, prev.Verdict, cur.Toolchain.Version, cur.Verdict)
		var what string
		switch {
		case cur.Verdict == repro.Reproduces:
			what = "introduced " + at
		case prev.Verdict == repro.Reproduces && cur.Verdict == repro.Fixed:
			what = "fixed " + at
		case prev.Verdict == repro.Reproduces && cur.Verdict == repro.FailsCleanly:
			what = "fails cleanly since " + axis + toolchain.Minor(cur.Toolchain.Version)
			if at != "in "+axis+toolchain.Minor(cur.Toolchain.Version) {
				what = "fails cleanly since a release " + at
			}
		default:
			what = fmt.Sprintf("%s → %s %s", prev.Verdict, cur.Verdict, at)
		}
		out = append(out, what+" "+evidence)
	}
	if len(known) == 0 && len(cells) > 0 {
		out = append(out, fmt.Sprintf("%s on every version run", cells[0].Verdict))
	}
	if len(out) == 0 && len(known) > 0 {
		first, last := known[0].Toolchain.Version, known[len(known)-1].Toolchain.Version
		span := first + "–" + last
		if first == last {
			span = first
		}
		out = append(out, fmt.Sprintf("%s on every version run (%s)", known[0].Verdict, span))
	}
	return out
}

// CannotApply reports whether a cell's script could not run the code at
// all there (a SyntaxError or a missing module on an old interpreter): it
// says nothing about the behaviour, so no boundary is drawn at it.
func CannotApply(r runner.Result) bool {
	if r.Verdict != repro.Changed || r.Signature == nil {
		return false
	}
	typ, _, _ := strings.Cut(r.Signature.Exception, ":")
	switch typ {
	case "SyntaxError", "ImportError", "ModuleNotFoundError":
		return true
	}
	return false
}

// Summary counts the cells.
type Summary struct {
	Cells, AsExpected, Transitions, New, Errors, Cached int
}

// Summarize counts cells by outcome.
func Summarize(cells []Cell) Summary {
	var s Summary
	for _, c := range cells {
		s.Cells++
		if c.Cached {
			s.Cached++
		}
		switch {
		case c.Verdict == repro.ErrorVerdict:
			s.Errors++
		case c.Transition == New:
			s.New++
		case c.Transition != "":
			s.Transitions++
		default:
			s.AsExpected++
		}
	}
	return s
}

func (s Summary) String() string {
	out := fmt.Sprintf("%d cells: %d as expected, %d transitions, %d new, %d errors", s.Cells, s.AsExpected, s.Transitions, s.New, s.Errors)
	if s.Cached > 0 {
		out += fmt.Sprintf(" (%d cached)", s.Cached)
	}
	return out
}
