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
		Files{}, Blank{}, Script{}, Dead{},
		// Statements inside top-level blocks first (what calls what:
		// removing a call makes a definition dead, which Dead then takes
		// in one test); whole top-level blocks are left to Subtrees, whose
		// units are every block at every depth. Measured on the bench
		// inputs, a separate depth-0 pass before or after cost more tests
		// than it saved.
		Blocks{Depth: 1},
	}
	// Semantic edits on the tree (inline what is called once, hoist
	// wrappers, drop plumbing): they need the analyst (BindAnalyst) and
	// have no units without one.
	out = append(out, semanticPasses()...)
	out = append(out, Unwrap{}, Subtrees{}, InlineVar,
		// Names are shortened once the coarse passes have removed most of
		// the code (so the short names go to what survives), and before
		// the in-line passes, whose memory of needed edits is keyed by a
		// line's text.
		Rename{}, Reindent{}, Spaces{},
	)
	// The expression edits on the tree come before the text-level in-line
	// passes, and the tree edits get their second look right after them:
	// an expression made constant can let a whole body move out of its
	// function (hoist-def) and everything that only led there go. Measured
	// on four bench inputs against the in-line passes first, for the same
	// bytes: 397 -> 247 tests (deep_exception), 251 -> 195 (helper_module),
	// 215 -> 201 (subint_fork), 184 -> 190 (never_awaited).
	out = append(out, Expressions)
	out = append(out, lateSemantic()...)
	// In-line simplification is the costliest per byte saved: it runs on
	// what the tree edits left, and the line pass runs again last.
	out = append(out, Simplify()...)
	out = append(out, FoldLate)
	// What the in-line passes freed (a body reduced to a bare expression,
	// a header left with nothing that matters) goes block by block, then
	// line by line.
	return append(out, Subtrees{Final: true}, Lines{})
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

func (Files) Name() string            { return "files" }
func (Files) Traits() minimize.Traits { return minimize.Traits{} }
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

func (Script) Name() string            { return "script" }
func (Script) Traits() minimize.Traits { return minimize.Traits{} }
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

// Traits: Lines comes after the final subtree pass, so it starts line by
// line.
func (Lines) Traits() minimize.Traits { return minimize.Traits{Start: minimize.StartUnits} }
func (Lines) Split(cur []byte) (int, func([]bool) []byte) {
	n, _, build := splitLinesPass(cur, false)
	return n, build
}

// Subtrees is the line pass where, in a .py file, a line goes with the
// lines indented under it: a header without its body is rarely valid, so
// this finds block removals at every depth in one sweep. It is not a
// certificate: a header whose body is its only child can go alone (the
// body stays validly over-indented), which Lines then finds.
//
// The final instance runs after the in-line passes, at the finest
// granularity from the start, and again in later rounds while it shrinks;
// a block it kept in one round is not tried again unchanged.
type Subtrees struct{ Final bool }

func (s Subtrees) Name() string {
	if s.Final {
		return "subtrees-final"
	}
	return "subtrees"
}

func (Subtrees) Split(cur []byte) (int, func([]bool) []byte) {
	n, _, build := splitLinesPass(cur, true)
	return n, build
}

// Traits: a block is named by its file and its text. After the block
// passes most remaining lines are needed, so the first subtree pass
// starts with chunks of about four lines. The final instance starts line
// by line (what it sees is needed nearly line by line), reruns only
// while it shrinks, and when it shrinks the in-line passes before it get
// another round.
func (s Subtrees) Traits() minimize.Traits {
	t := minimize.Traits{Start: minimize.StartFours, Keys: subtreeKeys}
	if s.Final {
		t.Start, t.Fine, t.Closing = minimize.StartUnits, true, true
	}
	return t
}

func subtreeKeys(cur []byte) []string {
	_, keys, _ := splitLinesPass(cur, true)
	return keys
}

// splitLinesPass cuts cur into lines or subtrees; keys name each unit by
// its member and text.
func splitLinesPass(cur []byte, subtrees bool) (int, []string, func([]bool) []byte) {
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
			for _, n := range tree(f.lines, true) {
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
	span := func(r lineRef) int { return max(spans[r], 1) }
	keys := make([]string, len(refs))
	for u, r := range refs {
		if r.file < 0 {
			keys[u] = "\x00" + d.script[r.line]
			continue
		}
		f := d.files[r.file]
		keys[u] = f.name + "\x00" + strings.Join(f.lines[r.line:r.line+span(r)], "")
	}
	return len(refs), keys, func(keep []bool) []byte {
		return dropRefs(d, refs, keep, span)
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

// All maps each pass name to the pass, for --passes.
func All() map[string]minimize.Pass {
	m := map[string]minimize.Pass{}
	for _, p := range append(Default(), Hollow{}, Blocks{Depth: 0}, Blocks{Depth: 2}, Blocks{Depth: 3}, Blocks{Depth: 4}) {
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
