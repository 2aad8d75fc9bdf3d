package passes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/reprokit/reprokit/internal/minimize"
)

// span is a byte range [from, to) of a line.
type span struct{ from, to int }

// group is one bracketed list on a line: its elements, split at commas
// that are not nested in brackets or strings.
type group struct {
	open, close int
	elems       []span
}

// scanLine finds a line's outermost bracket groups that close on the same
// line, and the contents of its string literals. It understands Python's
// quoting (prefixes, triple quotes on one line, escapes) and # comments.
func scanLine(l string) (groups []group, strs []span) {
	depth := 0
	var cur *group
	elemStart := 0
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '#':
			return groups, strs
		case c == '\'' || c == '"':
			content, end, ok := stringAt(l, i)
			if !ok {
				return groups, strs // unterminated on this line: leave it alone
			}
			if content.to > content.from {
				strs = append(strs, content)
			}
			i = end - 1
		case c == '(' || c == '[' || c == '{':
			depth++
			if depth == 1 {
				groups = append(groups, group{open: i, close: -1})
				cur = &groups[len(groups)-1]
				elemStart = i + 1
			}
		case c == ')' || c == ']' || c == '}':
			if depth == 1 && cur != nil {
				cur.close = i
				cur.elems = appendElem(cur.elems, l, elemStart, i)
				cur = nil
			}
			if depth > 0 {
				depth--
			}
		case c == ',' && depth == 1 && cur != nil:
			cur.elems = appendElem(cur.elems, l, elemStart, i)
			elemStart = i + 1
		}
	}
	// Drop groups that did not close on this line.
	var closed []group
	for _, g := range groups {
		if g.close >= 0 {
			closed = append(closed, g)
		}
	}
	return closed, strs
}

// spacesBefore moves i back over the spaces before it, not below floor.
func spacesBefore(s string, i, floor int) int {
	for i > floor && s[i-1] == ' ' {
		i--
	}
	return i
}

func appendElem(elems []span, l string, from, to int) []span {
	for from < to && l[from] == ' ' {
		from++
	}
	to = spacesBefore(l, to, from)
	if from < to {
		elems = append(elems, span{from, to})
	}
	return elems
}

// removal spans of a group's elements: an element with its following
// separator, the last one with its preceding separator.
func elemRemovals(l string, g group) []span {
	var out []span
	for k, e := range g.elems {
		switch {
		case k+1 < len(g.elems):
			out = append(out, span{e.from, g.elems[k+1].from})
		case k > 0:
			out = append(out, span{g.elems[k-1].to, e.to})
		default:
			out = append(out, e)
		}
	}
	return out
}

// edit is a removable span of one line.
type edit struct {
	ref  lineRef
	span span
}

// spanPass removes spans found by find in each line of each file.
type spanPass struct {
	name string
	find func(line string) []span
}

func (p spanPass) Name() string { return p.name }

func (p spanPass) edits(d *doc) []edit {
	var edits []edit
	for fi, f := range d.files {
		if f.meta {
			continue
		}
		for li, l := range f.lines {
			for _, s := range p.find(l) {
				edits = append(edits, edit{lineRef{fi, li}, s})
			}
		}
	}
	return edits
}

// Traits: the in-line passes make small edits, rerun only while they
// still shrink; each edit is named by its file, its line's text and its
// span: the same edit of an unchanged line in a later round.
func (p spanPass) Traits() minimize.Traits { return minimize.Traits{Fine: true, Keys: p.unitKeys} }

func (p spanPass) unitKeys(cur []byte) []string {
	d := parse(cur)
	var keys []string
	for _, e := range p.edits(d) {
		f := d.files[e.ref.file]
		keys = append(keys, fmt.Sprintf("%s\x00%s\x00%d:%d", f.name, f.lines[e.ref.line], e.span.from, e.span.to))
	}
	return keys
}

func (p spanPass) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	edits := p.edits(d)
	return len(edits), func(keep []bool) []byte {
		cut := map[lineRef][]span{}
		for u, e := range edits {
			if !keep[u] {
				cut[e.ref] = append(cut[e.ref], e.span)
			}
		}
		c := d.clone()
		for ref, spans := range cut {
			l := c.files[ref.file].lines[ref.line]
			gone := make([]bool, len(l))
			for _, s := range spans {
				for i := s.from; i < s.to && i < len(l); i++ {
					gone[i] = true
				}
			}
			var b strings.Builder
			for i := 0; i < len(l); i++ {
				if !gone[i] {
					b.WriteByte(l[i])
				}
			}
			c.files[ref.file].lines[ref.line] = b.String()
		}
		return c.format()
	}
}

// Simplify returns the in-line passes, in order: elements of calls, lists,
// dicts and tuples; parameter annotations; parameter defaults; string
// literal contents.
func Simplify() []minimize.Pass {
	return []minimize.Pass{
		spanPass{"simplify-args", func(l string) []span {
			groups, _ := scanLine(l)
			var out []span
			for _, g := range groups {
				// f(x) -> f() is left to simplify-calls (f(x) -> f).
				if len(g.elems) >= 2 {
					out = append(out, elemRemovals(l, g)...)
				}
			}
			return out
		}},
		spanPass{"simplify-imports", importNames},
		spanPass{"simplify-calls", calls},
		spanPass{"simplify-prefix", prefixes},
		spanPass{"simplify-annotations", annotations},
		spanPass{"simplify-defaults", defaults},
		spanPass{"simplify-strings", func(l string) []span {
			_, strs := scanLine(l)
			return strs
		}},
	}
}

var annotatedAssignRE = regexp.MustCompile(`^\s*[A-Za-z_][\w.]*(\s*:[^=]+?)\s*=[^=]`)

// annotations finds `: T` in def parameters, `-> T` before the colon, and
// `: T` of an annotated assignment (`x: T = v`; a bare `x: T` declares a
// field and stays).
func annotations(l string) []span {
	g, ok := defParams(l)
	if !ok {
		if m := annotatedAssignRE.FindStringSubmatchIndex(l); m != nil && !isDef(l) {
			return []span{{m[2], m[3]}}
		}
		return nil
	}
	var out []span
	for _, e := range g.elems {
		el := l[e.from:e.to]
		if i := strings.IndexByte(el, ':'); i > 0 {
			end := len(el)
			if j := strings.IndexByte(el, '='); j > i {
				end = spacesBefore(el, j, i)
			}
			out = append(out, span{e.from + i, e.from + end})
		}
	}
	rest := l[g.close+1:]
	if i := strings.Index(rest, "->"); i >= 0 {
		if j := strings.LastIndexByte(rest, ':'); j > i {
			from := spacesBefore(l, g.close+1+i, g.close+1)
			out = append(out, span{from, g.close + 1 + j})
		}
	}
	return out
}

// defaults finds `=value` of def parameters.
func defaults(l string) []span {
	g, ok := defParams(l)
	if !ok {
		return nil
	}
	var out []span
	for _, e := range g.elems {
		el := l[e.from:e.to]
		if i := strings.IndexByte(el, '='); i > 0 {
			from := spacesBefore(l, e.from+i, e.from)
			out = append(out, span{from, e.to})
		}
	}
	return out
}

// calls finds whole bracket groups that follow a name, a closing bracket
// or a string: f(x) -> f, a[i] -> a, g()() -> g().
func calls(l string) []span {
	var out []span
	for _, g := range allGroups(l) {
		if g.open == 0 {
			continue
		}
		prev := l[g.open-1]
		if prev == '_' || prev == ')' || prev == ']' || prev >= 'a' && prev <= 'z' || prev >= 'A' && prev <= 'Z' || prev >= '0' && prev <= '9' {
			// A def's parameter list or a class's bases are not calls.
			if isDef(l) || strings.HasPrefix(strings.TrimSpace(l), "class ") {
				continue
			}
			out = append(out, span{g.open, g.close + 1})
		}
	}
	return out
}

var prefixRE = regexp.MustCompile(`^(\s*)((?:return|yield)\b\s*|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)`)

// prefixes finds what turns an expression into a statement that binds or
// returns it: "x = f()" -> "f()", "return f()" -> "f()".
func prefixes(l string) []span {
	m := prefixRE.FindStringSubmatchIndex(l)
	if m == nil || strings.HasPrefix(l[m[5]:], "=") || strings.TrimSpace(l[m[5]:]) == "" {
		return nil // a comparison (x==y), or a bare return
	}
	return []span{{m[4], m[5]}}
}

// importNames finds the names of a one-line `import a, b` or `from m
// import a, b`, each with its comma, when there are two or more.
func importNames(l string) []span {
	m := importRE.FindStringSubmatchIndex(l)
	if m == nil || strings.ContainsAny(l[m[2]:m[3]], "()") {
		return nil
	}
	g := group{open: m[2] - 1, close: m[3]}
	from := m[2]
	for i := m[2]; i <= m[3]; i++ {
		if i == m[3] || l[i] == ',' {
			g.elems = appendElem(g.elems, l, from, i)
			from = i + 1
		}
	}
	if len(g.elems) < 2 {
		return nil
	}
	return elemRemovals(l, g)
}

// allGroups finds every bracket pair of a line, at any depth, outside
// strings and comments.
func allGroups(l string) []group {
	var out []group
	var stack []int
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '#':
			return out
		case c == '\'' || c == '"':
			_, end, ok := stringAt(l, i)
			if !ok {
				return out
			}
			i = end - 1
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, i)
		case c == ')' || c == ']' || c == '}':
			if len(stack) > 0 {
				out = append(out, group{open: stack[len(stack)-1], close: i})
				stack = stack[:len(stack)-1]
			}
		}
	}
	return out
}

// stringAt reads the string literal whose quote is at l[i] (single, double
// or triple, with backslash escapes): its content span and the index just
// past its closing quote; ok is false when it does not end on this line.
func stringAt(l string, i int) (content span, end int, ok bool) {
	q := l[i : i+1]
	if strings.HasPrefix(l[i:], q+q+q) {
		q = q + q + q
	}
	start := i + len(q)
	j := start
	for j < len(l) && !strings.HasPrefix(l[j:], q) {
		if l[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(l) {
		return span{}, 0, false
	}
	return span{start, j}, j + len(q), true
}

func isDef(l string) bool {
	t := strings.TrimSpace(l)
	return strings.HasPrefix(t, "def ") || strings.HasPrefix(t, "async def ")
}

// defParams is the parameter list of a def line.
func defParams(l string) (group, bool) {
	if !isDef(l) {
		return group{}, false
	}
	groups, _ := scanLine(l)
	if len(groups) == 0 {
		return group{}, false
	}
	return groups[0], true
}
