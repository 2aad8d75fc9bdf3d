package passes

import (
	"strings"

	"github.com/reprokit/reprokit/internal/minimize"
)

// Reindent indents each statement of a Python file by one space per
// level instead of four (or a tab): the same program in fewer bytes. A
// unit is one file. Continuation lines (inside brackets or a
// triple-quoted string) keep their text, since a string's content is
// data.
type Reindent struct{}

func (Reindent) Name() string            { return "reindent" }
func (Reindent) Traits() minimize.Traits { return minimize.Traits{} }

func (Reindent) Split(cur []byte) (int, func([]bool) []byte) {
	return rewritePythonFiles(cur, reindented)
}

// rewritePythonFiles makes each .py member whose text rewrite changes a
// unit; a unit switched off takes the rewritten lines.
func rewritePythonFiles(cur []byte, rewrite func(lines []string) []string) (int, func([]bool) []byte) {
	d := parse(cur)
	var files []int
	rewritten := map[int][]string{}
	for fi, f := range d.files {
		if f.meta || !isPython(f.name) {
			continue
		}
		if out := rewrite(f.lines); out != nil {
			files = append(files, fi)
			rewritten[fi] = out
		}
	}
	return len(files), func(keep []bool) []byte {
		c := d.clone()
		for u, fi := range files {
			if !keep[u] {
				c.files[fi].lines = rewritten[fi]
			}
		}
		return c.format()
	}
}

// reindented returns lines with one space per level, or nil when that
// changes nothing.
func reindented(lines []string) []string {
	out := append([]string(nil), lines...)
	changed := false
	for _, n := range tree(lines, true) {
		if n.inString {
			continue
		}
		l := lines[n.line]
		want := strings.Repeat(" ", n.depth) + strings.TrimLeft(l, " \t")
		if want != l {
			out[n.line], changed = want, true
		}
	}
	if !changed {
		return nil
	}
	return out
}

// Spaces removes the spaces a Python statement does not need: around
// operators, after commas and colons, before brackets — every space that
// does not separate two names or numbers — and trailing ones. Strings,
// comments and continuation lines keep theirs. A unit is one file.
type Spaces struct{}

func (Spaces) Name() string            { return "spaces" }
func (Spaces) Traits() minimize.Traits { return minimize.Traits{} }

func (Spaces) Split(cur []byte) (int, func([]bool) []byte) {
	return rewritePythonFiles(cur, squeezeFile)
}

// squeezeFile returns the file without needless spaces, or nil when it
// has none.
func squeezeFile(lines []string) []string {
	cont, _ := continuations(lines)
	out := append([]string(nil), lines...)
	changed := false
	for i, l := range lines {
		if cont[i] || (i+1 < len(lines) && cont[i+1]) {
			continue // a statement that goes on: its strings may span lines
		}
		if s := squeezeLine(l); s != l {
			out[i], changed = s, true
		}
	}
	if !changed {
		return nil
	}
	return out
}

// squeezeLine drops the needless spaces of one line after its indentation.
func squeezeLine(l string) string {
	body := strings.TrimLeft(l, " \t")
	lead := l[:len(l)-len(body)]
	nl := ""
	if strings.HasSuffix(body, "\n") {
		body, nl = body[:len(body)-1], "\n"
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '#':
			b.WriteString(body[i:])
			i = len(body)
		case c == '"' || c == '\'':
			_, end, ok := stringAt(body, i)
			if !ok {
				return l
			}
			b.WriteString(body[i:end])
			i = end - 1
		case c == ' ' || c == '\t':
			j := i
			for j < len(body) && (body[j] == ' ' || body[j] == '\t') {
				j++
			}
			prev := byte(0)
			if s := b.String(); s != "" {
				prev = s[len(s)-1]
			}
			if j < len(body) && prev != 0 && isWordByte(prev) && (isWordByte(body[j]) || body[j] == '"' || body[j] == '\'') {
				b.WriteByte(' ') // between two names, or a name and a string
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return lead + strings.TrimRight(b.String(), " \t") + nl
}
