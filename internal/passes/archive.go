// Package passes holds the archive-aware reduction passes that reprokit's
// minimizer runs over a repro, coarse to fine: drop files, drop script
// lines, drop indentation blocks level by level, unwrap blocks, simplify
// inside lines, drop single lines. The script's assertions, its title, its
// skip lines and the metadata are never touched.
//
// Blocks and lines work on any text; unwrapping and in-line simplification
// follow Python's shapes but are harmless elsewhere (the oracle decides).
package passes

import (
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/repro"
)

// Default returns the passes in the order the minimizer runs them. The
// last one cuts into lines, which makes a fixpoint result 1-minimal at
// line level.
func Default() []minimize.Pass {
	out := []minimize.Pass{
		Files{}, Script{}, Dead{},
		// Whole top-level and class-level blocks first; deeper blocks are
		// left to Subtrees, whose units are every block at every depth
		// (separate passes for depths 2 and 3 cost ~30 tests on the bench
		// inputs and removed nothing Subtrees would not).
		Blocks{Depth: 0}, Blocks{Depth: 1},
		Unwrap{}, Hollow{}, Subtrees{},
	}
	// In-line simplification is the costliest per byte saved: it runs on
	// what the line pass left, and the line pass runs again last.
	out = append(out, Simplify()...)
	return append(out, Lines{})
}

// doc is an archive cut into lines.
type doc struct {
	script []string // lines of the script, each ending in \n
	files  []member
}

type member struct {
	name  string
	lines []string
	meta  bool
}

func parse(cur []byte) *doc {
	ar := txtar.Parse(cur)
	d := &doc{script: splitLines(string(ar.Comment))}
	for _, f := range ar.Files {
		d.files = append(d.files, member{name: f.Name, lines: splitLines(string(f.Data)), meta: f.Name == repro.MetaFile})
	}
	return d
}

func (d *doc) format() []byte {
	ar := &txtar.Archive{Comment: []byte(strings.Join(d.script, ""))}
	for _, f := range d.files {
		ar.Files = append(ar.Files, txtar.File{Name: f.name, Data: []byte(strings.Join(f.lines, ""))})
	}
	return txtar.Format(ar)
}

func (d *doc) clone() *doc {
	c := &doc{script: append([]string{}, d.script...)}
	for _, f := range d.files {
		c.files = append(c.files, member{name: f.name, lines: append([]string{}, f.lines...), meta: f.meta})
	}
	return c
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	ls := strings.SplitAfter(s, "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// Files drops whole archive members (never the metadata).
type Files struct{}

func (Files) Name() string { return "files" }
func (Files) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	var idx []int
	for i, f := range d.files {
		if !f.meta {
			idx = append(idx, i)
		}
	}
	return len(idx), func(keep []bool) []byte {
		drop := map[int]bool{}
		for u, i := range idx {
			drop[i] = !keep[u]
		}
		c := d.clone()
		c.files = nil
		for i, f := range d.files {
			if !drop[i] {
				c.files = append(c.files, f)
			}
		}
		return c.format()
	}
}

// removableScriptLines are the script lines a pass may drop: commands that
// are not assertions and not skips, and comments other than the title.
func removableScriptLines(script []string) []int {
	var out []int
	titleSeen := false
	for i, l := range script {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			out = append(out, i)
		case strings.HasPrefix(t, "#"):
			if titleSeen {
				out = append(out, i)
			}
			titleSeen = true
		default:
			titleSeen = true
			lines, err := repro.Lines(l)
			if err != nil || len(lines) == 0 || len(lines[0].Words) == 0 {
				continue
			}
			cmd := lines[0].Words[0]
			if repro.Assertions[cmd] || cmd == "skip" || cmd == "stop" {
				continue
			}
			out = append(out, i)
		}
	}
	return out
}

// Script drops script lines: never an assertion, a skip or the title.
type Script struct{}

func (Script) Name() string { return "script" }
func (Script) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	idx := removableScriptLines(d.script)
	return len(idx), func(keep []bool) []byte {
		c := d.clone()
		c.script = dropIndexes(d.script, idx, keep)
		return c.format()
	}
}

func dropIndexes(lines []string, idx []int, keep []bool) []string {
	drop := map[int]bool{}
	for u, i := range idx {
		if !keep[u] {
			drop[i] = true
		}
	}
	var out []string
	for i, l := range lines {
		if !drop[i] {
			out = append(out, l)
		}
	}
	return out
}

// lineRef names one line of one member (file -1 is the script).
type lineRef struct{ file, line int }

// Lines drops single lines of any member but the metadata, and removable
// script lines. As the last pass it certifies 1-minimality at line level.
type Lines struct{}

func (Lines) Name() string { return "lines" }
func (Lines) Split(cur []byte) (int, func([]bool) []byte) {
	return splitLinesPass(cur, false)
}

// Subtrees is the line pass where, in a .py file, a line goes with the
// lines indented under it: a header without its body is rarely valid, so
// this finds block removals at every depth in one sweep. It is not a
// certificate: a header whose body is its only child can go alone (the
// body stays validly over-indented), which Lines then finds.
type Subtrees struct{}

func (Subtrees) Name() string { return "subtrees" }
func (Subtrees) Split(cur []byte) (int, func([]bool) []byte) {
	return splitLinesPass(cur, true)
}

func splitLinesPass(cur []byte, subtrees bool) (int, func([]bool) []byte) {
	d := parse(cur)
	var refs []lineRef
	spans := map[lineRef]int{}
	for _, i := range removableScriptLines(d.script) {
		refs = append(refs, lineRef{-1, i})
	}
	for fi, f := range d.files {
		if f.meta {
			continue
		}
		if subtrees && strings.HasSuffix(f.name, ".py") {
			for _, n := range tree(f.lines) {
				r := lineRef{fi, n.line}
				refs = append(refs, r)
				spans[r] = n.end - n.line
			}
			for li, l := range f.lines {
				if indent(l) < 0 { // blank lines are not in the tree
					refs = append(refs, lineRef{fi, li})
				}
			}
			continue
		}
		for li := range f.lines {
			refs = append(refs, lineRef{fi, li})
		}
	}
	return len(refs), func(keep []bool) []byte {
		return dropRefs(d, refs, keep, func(r lineRef) int { return max(spans[r], 1) })
	}
}

// dropRefs removes the lines of refs not kept; ranges extends a ref to
// more lines (a block's body).
func dropRefs(d *doc, refs []lineRef, keep []bool, span func(lineRef) int) []byte {
	drop := map[lineRef]bool{}
	for u, r := range refs {
		if keep[u] {
			continue
		}
		n := 1
		if span != nil {
			n = span(r)
		}
		for k := 0; k < n; k++ {
			drop[lineRef{r.file, r.line + k}] = true
		}
	}
	c := d.clone()
	c.script = nil
	for i, l := range d.script {
		if !drop[lineRef{-1, i}] {
			c.script = append(c.script, l)
		}
	}
	for fi, f := range d.files {
		c.files[fi].lines = nil
		for li, l := range f.lines {
			if !drop[lineRef{fi, li}] {
				c.files[fi].lines = append(c.files[fi].lines, l)
			}
		}
	}
	return c.format()
}

// StartGranularity: after the block passes most remaining lines are
// needed, so the line passes start with chunks of about four lines.
func (Lines) StartGranularity(n int) int { return n / 4 }

// StartGranularity as for Lines.
func (Subtrees) StartGranularity(n int) int { return n / 4 }

// All maps each pass name to the pass, for --passes.
func All() map[string]minimize.Pass {
	m := map[string]minimize.Pass{}
	for _, p := range append(Default(), Hollow{}, Blocks{Depth: 2}, Blocks{Depth: 3}, Blocks{Depth: 4}) {
		m[p.Name()] = p
	}
	return m
}

// Names returns the default pass order as names.
func Names() []string {
	var out []string
	for _, p := range Default() {
		out = append(out, p.Name())
	}
	return out
}

// SingleLineRemovals returns every candidate that removes exactly one line
// the passes may remove (any line of a member but the metadata, or a
// removable script line): the neighbourhood that 1-minimality is about.
func SingleLineRemovals(cur []byte) [][]byte {
	d := parse(cur)
	var refs []lineRef
	for _, i := range removableScriptLines(d.script) {
		refs = append(refs, lineRef{-1, i})
	}
	for fi, f := range d.files {
		if !f.meta {
			for li := range f.lines {
				refs = append(refs, lineRef{fi, li})
			}
		}
	}
	var out [][]byte
	for u := range refs {
		keep := make([]bool, len(refs))
		for k := range keep {
			keep[k] = k != u
		}
		out = append(out, dropRefs(d, refs, keep, nil))
	}
	return out
}
