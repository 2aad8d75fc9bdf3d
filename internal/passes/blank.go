package passes

import (
	"strings"

	"github.com/reprokit/reprokit/internal/minimize"
)

// Blank drops blank lines, and comment lines of Python files and of the
// script (never its title): they are almost never what a bug needs, so
// all of them go in one test first, and each later pass has fewer units.
type Blank struct{}

func (Blank) Name() string            { return "blank" }
func (Blank) Traits() minimize.Traits { return minimize.Traits{AllFirst: true} }

func (Blank) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	var refs []lineRef
	for _, i := range removableScriptLines(d.script) {
		if t := strings.TrimSpace(d.script[i]); t == "" || strings.HasPrefix(t, "#") {
			refs = append(refs, lineRef{-1, i})
		}
	}
	for fi, f := range d.files {
		if f.meta {
			continue
		}
		py := strings.HasSuffix(f.name, ".py")
		for li, l := range f.lines {
			if t := strings.TrimSpace(l); t == "" || py && strings.HasPrefix(t, "#") {
				refs = append(refs, lineRef{fi, li})
			}
		}
	}
	return len(refs), func(keep []bool) []byte {
		return dropRefs(d, refs, keep, nil)
	}
}
