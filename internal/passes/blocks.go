package passes

import "strings"

// indent is the width of a line's leading white space (a tab counts 8);
// -1 for a blank line.
func indent(l string) int {
	w := 0
	for _, c := range l {
		switch c {
		case ' ':
			w++
		case '\t':
			w += 8 - w%8
		case '\n', '\r':
			return -1
		default:
			return w
		}
	}
	return -1
}

// node is a line with the lines indented below it.
type node struct {
	line  int // first line
	end   int // one past the last line of its subtree (trailing blanks excluded)
	depth int
}

// tree lists every non-blank line of a file as a node of the indentation
// tree, in order. In a Python file, the continuation lines of a statement
// (inside brackets or a triple-quoted string, or after a backslash) belong
// to the statement's node: a dict literal or a docstring spread over lines
// goes as a whole.
func tree(lines []string, python bool) []node {
	var cont []bool
	if python {
		cont = continuations(lines)
	}
	var nodes []node
	type open struct{ indent, node int }
	var stack []open
	for i, l := range lines {
		if cont != nil && cont[i] {
			if len(nodes) > 0 {
				nodes[len(nodes)-1].end = i + 1
				for _, o := range stack {
					nodes[o.node].end = i + 1
				}
			}
			continue
		}
		w := indent(l)
		if w < 0 {
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= w {
			stack = stack[:len(stack)-1]
		}
		nodes = append(nodes, node{line: i, end: i + 1, depth: len(stack)})
		for _, o := range stack {
			nodes[o.node].end = i + 1
		}
		stack = append(stack, open{w, len(nodes) - 1})
	}
	return nodes
}

// continuations marks the lines of Python source that continue the
// statement of a line before them: inside open brackets, inside a
// triple-quoted string, or after a backslash.
func continuations(lines []string) []bool {
	cont := make([]bool, len(lines))
	depth := 0
	quote := "" // the open triple quote, if any
	joined := false
	for i, l := range lines {
		cont[i] = depth > 0 || quote != "" || joined
		joined = false
		for j := 0; j < len(l); j++ {
			c := l[j]
			switch {
			case quote != "":
				if c == '\\' {
					j++
				} else if strings.HasPrefix(l[j:], quote) {
					j += len(quote) - 1
					quote = ""
				}
			case c == '#':
				j = len(l)
			case c == '"' || c == '\'':
				q := l[j : j+1]
				if strings.HasPrefix(l[j:], q+q+q) {
					quote = q + q + q
					j += 2
					continue
				}
				// A one-line string: skip to its end.
				for j++; j < len(l) && l[j] != c && l[j] != '\n'; j++ {
					if l[j] == '\\' {
						j++
					}
				}
			case c == '(' || c == '[' || c == '{':
				depth++
			case c == ')' || c == ']' || c == '}':
				if depth > 0 {
					depth--
				}
			case c == '\\' && strings.TrimRight(l[j+1:], "\r\n") == "":
				joined = true
			}
		}
	}
	return cont
}

// Blocks drops indentation blocks at one depth: a whole def, class, if or
// try with its body at once (hierarchical delta debugging).
type Blocks struct{ Depth int }

func (b Blocks) Name() string { return "blocks" + string(rune('0'+b.Depth)) }
func (b Blocks) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	var refs []lineRef
	spans := map[lineRef]int{}
	for fi, f := range d.files {
		if f.meta {
			continue
		}
		for _, n := range tree(f.lines, isPython(f.name)) {
			if n.depth == b.Depth {
				r := lineRef{fi, n.line}
				refs = append(refs, r)
				spans[r] = n.end - n.line
			}
		}
	}
	return len(refs), func(keep []bool) []byte {
		return dropRefs(d, refs, keep, func(r lineRef) int { return spans[r] })
	}
}

// Unwrap replaces a block by its body: `try:` (dropping its except, else
// and finally clauses), `with …:`, `if …:` (dropping elif and else), `for`,
// `while`; and it removes `else:`/`finally:` clauses whose body is `pass`.
type Unwrap struct{}

var unwrappable = []string{"try:", "with ", "if ", "for ", "while ", "async with ", "async for "}
var clauses = []string{"except", "else:", "elif ", "finally:"}

func (Unwrap) Name() string { return "unwrap" }
func (Unwrap) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	type unit struct {
		file     int
		header   int    // header line
		body     [2]int // body lines [from, to)
		drop     [2]int // lines dropped besides the header: trailing clauses [from, to)
		dedent   int
		passOnly bool // an else/finally clause with only pass: drop it whole
	}
	var units []unit
	for fi, f := range d.files {
		if f.meta {
			continue
		}
		nodes := tree(f.lines, isPython(f.name))
		for k, n := range nodes {
			if n.end-n.line < 2 {
				continue
			}
			head := strings.TrimSpace(f.lines[n.line])
			w := indent(f.lines[n.line])
			bodyIndent := indent(f.lines[nodes[k+1].line])
			isClause := hasAnyPrefix(head, []string{"else:", "finally:"})
			if isClause && n.end-n.line == 2 && strings.TrimSpace(f.lines[n.line+1]) == "pass" {
				units = append(units, unit{file: fi, header: n.line, drop: [2]int{n.line, n.end}, passOnly: true})
				continue
			}
			if !hasAnyPrefix(head, unwrappable) || !strings.HasSuffix(head, ":") {
				continue
			}
			// The clauses that follow at the same indentation go with it.
			end := n.end
			for _, m := range nodes[k+1:] {
				if m.line < end {
					continue
				}
				if indent(f.lines[m.line]) == w && hasAnyPrefix(strings.TrimSpace(f.lines[m.line]), clauses) {
					end = m.end
					continue
				}
				break
			}
			units = append(units, unit{file: fi, header: n.line, body: [2]int{n.line + 1, n.end}, drop: [2]int{n.end, end}, dedent: bodyIndent - w})
		}
	}
	return len(units), func(keep []bool) []byte {
		c := d.clone()
		for fi := range c.files {
			dropped := make([]bool, len(c.files[fi].lines))
			dedent := make([]int, len(c.files[fi].lines))
			for u, un := range units {
				if keep[u] || un.file != fi {
					continue
				}
				if un.passOnly {
					for i := un.drop[0]; i < un.drop[1]; i++ {
						dropped[i] = true
					}
					continue
				}
				dropped[un.header] = true
				for i := un.drop[0]; i < un.drop[1]; i++ {
					dropped[i] = true
				}
				for i := un.body[0]; i < un.body[1]; i++ {
					dedent[i] += un.dedent
				}
			}
			var out []string
			for i, l := range c.files[fi].lines {
				if dropped[i] {
					continue
				}
				out = append(out, dedentLine(l, dedent[i]))
			}
			c.files[fi].lines = out
		}
		return c.format()
	}
}

func dedentLine(l string, n int) string {
	for n > 0 && len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
		l = l[1:]
		n--
	}
	return l
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Hollow replaces the body of a def, class, if, for, while, with or try by
// `pass`: code that is defined but never reaches the bug goes in one test,
// while the name it defines stays.
type Hollow struct{}

func (Hollow) Name() string { return "hollow" }
func (Hollow) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	type unit struct {
		file, header, end int
		bodyIndent        string
	}
	var units []unit
	for fi, f := range d.files {
		if f.meta || !strings.HasSuffix(f.name, ".py") {
			continue
		}
		nodes := tree(f.lines, isPython(f.name))
		for k, n := range nodes {
			if n.end-n.line < 2 || !strings.HasSuffix(strings.TrimSpace(stripComment(f.lines[n.line])), ":") {
				continue
			}
			body := f.lines[nodes[k+1].line]
			if n.end-n.line == 2 && strings.TrimSpace(body) == "pass" {
				continue
			}
			units = append(units, unit{fi, n.line, n.end, body[:len(body)-len(strings.TrimLeft(body, " \t"))]})
		}
	}
	return len(units), func(keep []bool) []byte {
		c := d.clone()
		for fi := range c.files {
			var out []string
			skipUntil := -1
			for li, l := range d.files[fi].lines {
				if li < skipUntil {
					continue
				}
				out = append(out, l)
				for u, un := range units {
					if !keep[u] && un.file == fi && un.header == li {
						out = append(out, un.bodyIndent+"pass\n")
						skipUntil = un.end
					}
				}
			}
			c.files[fi].lines = out
		}
		return c.format()
	}
}

func stripComment(l string) string {
	if i := strings.Index(l, "#"); i >= 0 && !strings.ContainsAny(l[:i], `"'`) {
		return l[:i]
	}
	return l
}

func isPython(name string) bool { return strings.HasSuffix(name, ".py") }
