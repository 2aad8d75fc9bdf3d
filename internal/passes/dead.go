package passes

import (
	"regexp"
	"strings"

	"github.com/reprokit/reprokit/internal/minimize"
)

// Dead drops definitions and imports whose names nothing else mentions:
// `def f`, `class C`, `NAME = …` at any depth, and `import x` / `from m
// import x` lines. All of them are tried at once first, so typical bloat
// (unused helpers, imports, constants) goes in one test; removals that
// make more code dead are picked up by repeating the pass.
type Dead struct{}

var (
	defRE    = regexp.MustCompile(`^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)`)
	assignRE = regexp.MustCompile(`^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=[^=]`)
	importRE = regexp.MustCompile(`^\s*(?:from\s+[\w.]+\s+)?import\s+(.+?)\s*$`)
	wordRE   = regexp.MustCompile(`[A-Za-z_]\w*`)
)

func (Dead) Name() string { return "dead" }

// Traits: every dead unit in one test first; removing a definition's last
// user makes it dead, so the pass repeats and the engine runs it after
// every pass that shrinks; a dead definition that was needed (a Thread's
// run, a handler found by name) is not retried at every sweep while it
// is unchanged; the final passes still try it.
func (Dead) Traits() minimize.Traits {
	return minimize.Traits{AllFirst: true, Repeat: true, Sweeps: true, Keys: deadKeys}
}

func (Dead) Split(cur []byte) (int, func([]bool) []byte) {
	d, outer, spans := deadUnits(cur)
	return len(outer), func(keep []bool) []byte {
		return dropRefs(d, outer, keep, func(r lineRef) int { return spans[r] })
	}
}

// deadKeys names a dead definition by its file and its text.
func deadKeys(cur []byte) []string {
	d, outer, spans := deadUnits(cur)
	keys := make([]string, len(outer))
	for i, r := range outer {
		f := d.files[r.file]
		keys[i] = f.name + "\x00" + strings.Join(f.lines[r.line:r.line+spans[r]], "")
	}
	return keys
}

// deadUnits finds the outermost dead definitions of cur and their spans.
func deadUnits(cur []byte) (*doc, []lineRef, map[lineRef]int) {
	d := parse(cur)
	// Count every word of the whole archive (script and files), so that a
	// name used only by the script or another file still counts.
	counts := map[string]int{}
	for _, l := range d.script {
		for _, w := range wordRE.FindAllString(l, -1) {
			counts[w]++
		}
	}
	for _, f := range d.files {
		if f.meta {
			continue
		}
		for _, l := range f.lines {
			for _, w := range wordRE.FindAllString(l, -1) {
				counts[w]++
			}
		}
	}
	var refs []lineRef
	spans := map[lineRef]int{}
	for fi, f := range d.files {
		if f.meta || !strings.HasSuffix(f.name, ".py") {
			continue
		}
		nodes := tree(f.lines, true)
		for _, n := range nodes {
			l := f.lines[n.line]
			var names []string
			switch {
			case defRE.MatchString(l):
				names = []string{defRE.FindStringSubmatch(l)[1]}
			case importRE.MatchString(l) && !strings.Contains(l, "("):
				for _, part := range strings.Split(importRE.FindStringSubmatch(l)[1], ",") {
					fields := strings.Fields(part)
					if len(fields) == 0 {
						continue
					}
					name := fields[len(fields)-1] // `x as y` binds y
					names = append(names, strings.SplitN(name, ".", 2)[0])
				}
			case assignRE.MatchString(l):
				names = []string{assignRE.FindStringSubmatch(l)[1]}
			}
			if len(names) == 0 || names[0] == "__all__" {
				continue
			}
			// Dead when each name occurs only in its own definition.
			own := map[string]int{}
			for k := n.line; k < n.end; k++ {
				for _, w := range wordRE.FindAllString(f.lines[k], -1) {
					own[w]++
				}
			}
			dead := true
			for _, name := range names {
				if counts[name] > own[name] || isDunder(name) {
					dead = false
				}
			}
			if dead {
				r := lineRef{fi, n.line}
				refs = append(refs, r)
				spans[r] = n.end - n.line
			}
		}
	}
	// Nested dead definitions inside dead ones would be removed twice;
	// keep only the outermost.
	var outer []lineRef
	for _, r := range refs {
		inside := false
		for _, o := range outer {
			if o.file == r.file && r.line > o.line && r.line < o.line+spans[o] {
				inside = true
			}
		}
		if !inside {
			outer = append(outer, r)
		}
	}
	return d, outer, spans
}

func isDunder(s string) bool { return strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__") }
