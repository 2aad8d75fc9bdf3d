package check

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/reprokit/reprokit/internal/repro"
)

//go:embed report.html.tmpl
var pageTemplate string

// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var page = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageTemplate)) })

type htmlRow struct {
	File, Name, Title string
	Boundaries        []string
	Cells             []htmlCell
	Upstream          *Upstream
	Comment           string
}

type htmlCell struct {
	Present                  bool
	Label, Verdict, Class    string
	Toolchain, Detail, Hover string
	Transition, Meaning      string
}

type htmlTransition struct {
	Name, File, Toolchain, Transition, Meaning string
}

type htmlPage struct {
	Summary     string
	Columns     []string
	Rows        []htmlRow
	Transitions []htmlTransition
	Stale       map[string][]string
}

// WriteHTML writes a self-contained page: no scripts, no external files.
func (r *View) WriteHTML(w io.Writer) error {
	cols := r.Columns()
	p := htmlPage{Summary: Summarize(r.Cells).String(), Stale: r.Stale}
	for _, c := range cols {
		p.Columns = append(p.Columns, heading(r, c))
	}
	for _, f := range r.Files {
		row := htmlRow{File: f, Name: repro.NameOf(f), Title: r.Titles[f], Boundaries: r.Boundaries[f], Comment: r.Comments[f]}
		if u, ok := r.Upstream[f]; ok {
			row.Upstream = &u
		}
		for _, col := range cols {
			c, ok := r.Cell(f, col)
			if !ok {
				row.Cells = append(row.Cells, htmlCell{})
				continue
			}
			row.Cells = append(row.Cells, cellView(c))
		}
		p.Rows = append(p.Rows, row)
	}
	for _, c := range r.Cells {
		if c.Transition != "" && c.Transition != New {
			p.Transitions = append(p.Transitions, htmlTransition{repro.NameOf(c.File), c.File, c.Toolchain.Name, c.Transition, c.Meaning})
		}
	}
	return page().Execute(w, p)
}

func cellView(c Cell) htmlCell {
	classes := []string{"cell", "v-" + string(c.Verdict)}
	switch {
	case c.Transition == New:
		classes = append(classes, "new")
	case c.Transition != "":
		classes = append(classes, "transition")
	}
	if c.Cached {
		classes = append(classes, "cached")
	}
	var detail []string
	if c.Signature != nil {
		detail = append(detail, "signature: "+c.Signature.String())
	}
	if c.Reason != "" {
		detail = append(detail, c.Reason)
	}
	if c.Error != "" {
		detail = append(detail, "error: "+c.Error)
	}
	if c.Expected != "" {
		detail = append(detail, "expected: "+string(c.Expected))
	}
	if c.Cached {
		detail = append(detail, "cached result")
	}
	return htmlCell{
		Present:    true,
		Label:      strings.TrimSuffix(label(c), "*"), // the page marks cached cells itself
		Verdict:    string(c.Verdict),
		Class:      strings.Join(classes, " "),
		Toolchain:  c.Toolchain.Name,
		Detail:     strings.Join(detail, "\n"),
		Hover:      c.Toolchain.Name + ": " + string(c.Verdict) + "\n" + strings.Join(detail, "\n"),
		Transition: c.Transition,
		Meaning:    c.Meaning,
	}
}
