// Package checkreport renders a regression check for people and machines:
// the terminal matrix, JSON lines, JUnit XML and a self-contained HTML page.
// All of them render from the cells alone, so a report merged from shards
// is the report of the unsharded check.
package checkreport

import (
	"encoding/json"
	"io"
	"sort"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/suite"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Report is a finished check (suite.Report) with what the renderers
// derive from its cells.
type Report struct {
	*suite.Report
	Titles     map[string]string
	Boundaries map[string][]string

	byCell  map[[2]string]suite.Cell // archive, toolchain name → cell
	version map[string]string        // toolchain name → version
}

// Upstream is what the linked upstream issue says (see suite.Upstream).
type Upstream = suite.Upstream

// New builds a report from sorted cells alone.
func New(cells []suite.Cell) *Report { return From(suite.NewReport(cells)) }

// From builds the rendered report of a check.
func From(rep *suite.Report) *Report {
	r := &Report{
		Report:     rep,
		Titles:     map[string]string{},
		Boundaries: map[string][]string{},
		byCell:     map[[2]string]suite.Cell{},
		version:    map[string]string{},
	}
	for _, c := range rep.Cells {
		r.byCell[[2]string{c.File, c.Toolchain.Name}] = c
		r.version[c.Toolchain.Name] = c.Toolchain.Version
	}
	_, groups := suite.ByFile(rep.Cells)
	for _, f := range rep.Files {
		r.Titles[f] = groups[f][0].Title
		r.Boundaries[f] = suite.Boundaries(groups[f])
	}
	return r
}

// Columns are the toolchains of the matrix, in version order.
func (r *Report) Columns() []string {
	var names []string
	for n := range r.version {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if c := toolchain.CompareVersions(r.version[names[i]], r.version[names[j]]); c != 0 {
			return c < 0
		}
		return names[i] < names[j]
	})
	return names
}

// Cell finds the cell of an archive on a toolchain.
func (r *Report) Cell(file, toolchainName string) (suite.Cell, bool) {
	c, ok := r.byCell[[2]string{file, toolchainName}]
	return c, ok
}

// Short is a verdict's matrix abbreviation.
func Short(verdict repro.Verdict) string {
	switch verdict {
	case repro.Reproduces:
		return "repro"
	case repro.FailsCleanly:
		return "clean"
	case repro.Skipped:
		return "skip"
	case repro.Changed:
		return "CHANGED"
	case repro.Slipped:
		return "SLIPPED"
	case repro.ErrorVerdict:
		return "ERROR"
	}
	return string(verdict)
}

// WriteJSON writes one cell a line: what `check --merge` reads back.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, c := range r.Cells {
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	return nil
}

// Attention reports whether anything makes the check fail, and whether an
// error is among it.
func (r *Report) Attention() (attention, errors bool) {
	for _, c := range r.Cells {
		attention = attention || c.Attention
		errors = errors || c.Verdict == repro.ErrorVerdict
	}
	for _, u := range r.Upstream {
		attention = attention || u.Contradiction != ""
	}
	return attention, errors
}

func label(c suite.Cell) string {
	s := Short(c.Verdict)
	if c.Rate != "" && c.Verdict == repro.Flaky {
		s += " " + c.Rate
	}
	switch {
	case c.Transition == suite.New:
		s += "+"
	case c.Transition != "":
		s += "!"
	}
	if c.Cached {
		s += "*"
	}
	return s
}
