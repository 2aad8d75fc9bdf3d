// Package checkreport renders a regression check for people and machines:
// the terminal matrix, JSON lines, JUnit XML and a self-contained HTML page.
// All of them render from the cells alone, so a report merged from shards
// is the report of the unsharded check.
package checkreport

import (
	"encoding/json"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/suite"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Report is a finished check.
type Report struct {
	Cells []suite.Cell // in suite.Sort order
	// Files lists the archives in order; the maps below are keyed by them.
	Files      []string
	Titles     map[string]string
	Boundaries map[string][]string
	Stale      map[string][]string // expectation keys with no toolchain here
	Upstream   map[string]Upstream
	Comments   map[string]string // comment drafts written for landed fixes

	byCell  map[[2]string]suite.Cell // archive, toolchain name → cell
	version map[string]string        // toolchain name → version
}

// Upstream is what the linked upstream issue says, and whether it agrees.
type Upstream struct {
	Ref           string // python/cpython#123
	State         string // open, closed
	Reason        string // completed, not_planned, reopened
	Closed        string // closing date, 2006-01-02
	Contradiction string // empty when the issue agrees with the matrix
	Error         string // the lookup failed
}

// New builds a report from sorted cells.
func New(cells []suite.Cell) *Report {
	r := &Report{
		Cells:      cells,
		Titles:     map[string]string{},
		Boundaries: map[string][]string{},
		Stale:      map[string][]string{},
		Upstream:   map[string]Upstream{},
		Comments:   map[string]string{},
		byCell:     map[[2]string]suite.Cell{},
		version:    map[string]string{},
	}
	for _, c := range cells {
		r.byCell[[2]string{c.File, c.Toolchain.Name}] = c
		r.version[c.Toolchain.Name] = c.Toolchain.Version
	}
	files, groups := suite.ByFile(cells)
	r.Files = files
	for _, f := range files {
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

// Name is an archive's short name in the matrix.
func Name(file string) string {
	return strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
}

// Short is a verdict's matrix abbreviation.
func Short(verdict string) string {
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
	return verdict
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
