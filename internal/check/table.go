package check

import (
	"fmt"
	"io"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
)

// ANSI colours for a terminal.
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	purple = "\x1b[35m"
)

func colour(verdict repro.Verdict) string {
	switch verdict {
	case repro.Reproduces:
		return red
	case repro.Fixed, repro.FailsCleanly:
		return green
	case repro.Changed, repro.Slipped, repro.Flaky:
		return yellow
	case repro.ErrorVerdict:
		return purple
	case repro.Skipped:
		return dim
	}
	return ""
}

// WriteTable writes the matrix, the boundaries, the transitions and the
// summary. color adds ANSI colours (for a terminal).
func (r *View) WriteTable(w io.Writer, color bool) {
	paint := func(code, s string) string {
		if !color || code == "" {
			return s
		}
		return code + s + reset
	}
	cols := r.Columns()
	nameW := len("repro")
	for _, f := range r.Files {
		nameW = max(nameW, len(repro.NameOf(f)))
	}
	widths := make([]int, len(cols))
	header := []string{}
	for i, col := range cols {
		widths[i] = len(heading(r, col))
		for _, f := range r.Files {
			if c, ok := r.Cell(f, col); ok {
				widths[i] = max(widths[i], len(label(c)))
			}
		}
		header = append(header, pad(heading(r, col), widths[i]))
	}
	fmt.Fprintf(w, "%s  %s\n", pad("repro", nameW), strings.TrimRight(strings.Join(header, "  "), " "))
	for _, f := range r.Files {
		var row strings.Builder
		row.WriteString(pad(repro.NameOf(f), nameW))
		for i, col := range cols {
			row.WriteString("  ")
			c, ok := r.Cell(f, col)
			if !ok {
				row.WriteString(pad("", widths[i]))
				continue
			}
			text := pad(label(c), widths[i])
			code := colour(c.Verdict)
			if c.Attention {
				code = bold + code
			}
			row.WriteString(paint(code, text))
		}
		fmt.Fprintln(w, strings.TrimRight(row.String(), " "))
	}
	fmt.Fprintln(w, "  repro reproduces · fixed: make-it-work holds · clean: fails cleanly · skip: skipped · ! transition · + new · * cached")

	fmt.Fprintln(w, "\nBoundaries")
	for _, f := range r.Files {
		fmt.Fprintf(w, "  %s: %s\n", repro.NameOf(f), strings.Join(r.Boundaries[f], "; "))
	}

	var transitions, news []Cell
	for _, c := range r.Cells {
		switch {
		case c.Transition == New:
			news = append(news, c)
		case c.Transition != "":
			transitions = append(transitions, c)
		}
	}
	if len(transitions) > 0 {
		fmt.Fprintln(w, "\nTransitions")
		for _, c := range transitions {
			line := fmt.Sprintf("  ! %s on %s: %s — %s", c.File, c.Toolchain.Name, c.Transition, c.Meaning)
			if c.Verdict == repro.ErrorVerdict && c.Error != "" {
				line += " (" + c.Error + ")"
			}
			fmt.Fprintln(w, paint(bold, line))
		}
		for _, f := range r.Files {
			if p := r.Comments[f]; p != "" {
				fmt.Fprintf(w, "  comment for the upstream issue drafted: %s (post it yourself)\n", p)
			}
		}
	}
	if len(news) > 0 {
		fmt.Fprintln(w, "\nNew (no expectation recorded; `reprokit check --update` records them)")
		for _, c := range news {
			fmt.Fprintf(w, "  + %s on %s: %s\n", c.File, c.Toolchain.Name, c.Verdict)
		}
	}
	var stale []string
	for _, f := range r.Files {
		if keys := r.Stale[f]; len(keys) > 0 {
			stale = append(stale, fmt.Sprintf("  %s: %s", f, strings.Join(keys, ", ")))
		}
	}
	if len(stale) > 0 {
		fmt.Fprintln(w, "\nExpectations for toolchains not here (kept; not an error)")
		for _, s := range stale {
			fmt.Fprintln(w, s)
		}
	}
	var ups []string
	for _, f := range r.Files {
		u, ok := r.Upstream[f]
		if !ok {
			continue
		}
		line := fmt.Sprintf("  %s: %s", repro.NameOf(f), u.Summary())
		if u.Contradiction != "" {
			line = paint(bold, line+" — CONTRADICTION: "+u.Contradiction)
		}
		ups = append(ups, line)
	}
	if len(ups) > 0 {
		fmt.Fprintln(w, "\nUpstream")
		for _, l := range ups {
			fmt.Fprintln(w, l)
		}
	}
	fmt.Fprintf(w, "\n%s\n", Summarize(r.Cells))
}

// heading is a column's title: the version, which is what people compare.
func heading(r *View, name string) string {
	if v := r.version[name]; v != "" {
		return v
	}
	return name
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}
