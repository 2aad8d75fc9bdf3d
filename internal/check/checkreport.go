// This file renders a regression check for people and machines:
// the terminal matrix, JSON lines, JUnit XML and a self-contained HTML page.
// All of them render from the cells alone, so a report merged from shards
// is the report of the unsharded check.

package check

import (
	"encoding/json"
	"io"
	"sort"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// View is a finished check (a Report) with what the renderers
// derive from its cells.
type View struct {
	*Report
	Titles     map[string]string
	Boundaries map[string][]string

	byCell  map[[2]string]Cell // archive, toolchain name → cell
	version map[string]string  // toolchain name → version
}

// NewView builds a report from sorted cells alone.
func NewView(cells []Cell) *View { return ViewOf(NewReport(cells)) }

// ViewOf builds the rendered report of a check.
func ViewOf(rep *Report) *View {
	r := &View{
		Report:     rep,
		Titles:     map[string]string{},
		Boundaries: map[string][]string{},
		byCell:     map[[2]string]Cell{},
		version:    map[string]string{},
	}
	for _, c := range rep.Cells {
		r.byCell[[2]string{c.File, c.Toolchain.Name}] = c
		r.version[c.Toolchain.Name] = c.Toolchain.Version
	}
	_, groups := ByFile(rep.Cells)
	for _, f := range rep.Files {
		r.Titles[f] = groups[f][0].Title
		r.Boundaries[f] = Boundaries(groups[f])
	}
	return r
}

// Columns are the toolchains of the matrix, in version order.
func (r *View) Columns() []string {
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
func (r *View) Cell(file, toolchainName string) (Cell, bool) {
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
func (r *View) WriteJSON(w io.Writer) error {
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
func (r *View) Attention() (attention, errors bool) {
	for _, c := range r.Cells {
		attention = attention || c.Attention
		errors = errors || c.Verdict == repro.ErrorVerdict
	}
	for _, u := range r.Upstream {
		attention = attention || u.Contradiction != ""
	}
	return attention, errors
}

func label(c Cell) string {
	s := Short(c.Verdict)
	if c.Rate != "" && c.Verdict == repro.Flaky {
		s += " " + c.Rate
	}
	switch {
	case c.Transition == New:
		s += "+"
	case c.Transition != "":
		s += "!"
	}
	if c.Cached {
		s += "*"
	}
	return s
}
