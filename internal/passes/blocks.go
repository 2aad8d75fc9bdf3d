package passes

import (
	"strings"

	"github.com/reprokit/reprokit/internal/minimize"
)

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
	// inString: a line of a triple-quoted string (code a repro hands to
	// exec or a subprocess): a node for the block passes, but its text is
	// data that reindenting must not touch.
	inString bool
}

// tree lists every non-blank line of a file as a node of the indentation
// tree, in order. In a Python file, the continuation lines of a statement
// (inside brackets, or after a backslash) belong to the statement's node:
// a dict literal spread over lines goes as a whole. The lines inside a
// triple-quoted string form their own tree under the statement, so code
// kept in a string reduces block by block too.
func tree(lines []string, python bool) []node {
	var cont, inStr []bool
	if python {
		cont, inStr = continuations(lines)
	}
	var nodes []node
	type open struct{ indent, node int }
	var stack, strStack []open
	extend := func(st []open, i int) {
		for _, o := range st {
			nodes[o.node].end = i + 1
		}
	}
	for i, l := range lines {
		if cont != nil && cont[i] {
			if len(nodes) == 0 {
				continue
			}
			extend(stack, i) // the statement and its ancestors
			w := indent(l)
			if !inStr[i] || w < 0 || i+1 < len(lines) && !inStr[i+1] && !cont[i+1] {
				continue // brackets, a backslash, or the string's last line
			}
			for len(strStack) > 0 && strStack[len(strStack)-1].indent >= w {
				strStack = strStack[:len(strStack)-1]
			}
			depth := 1 + len(strStack)
			if len(stack) > 0 {
				depth += nodes[stack[len(stack)-1].node].depth
			}
			nodes = append(nodes, node{line: i, end: i + 1, depth: depth, inString: true})
			extend(strStack, i)
			strStack = append(strStack, open{w, len(nodes) - 1})
			continue
		}
		strStack = nil
		w := indent(l)
		if w < 0 {
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= w {
			stack = stack[:len(stack)-1]
		}
		nodes = append(nodes, node{line: i, end: i + 1, depth: len(stack)})
		extend(stack, i)
		stack = append(stack, open{w, len(nodes) - 1})
	}
	return nodes
}

// continuations marks the lines of Python source that continue the
// statement of a line before them (inside open brackets, inside a
// triple-quoted string, or after a backslash), and of those the ones that
// begin inside a triple-quoted string.
func continuations(lines []string) (cont, inString []bool) {
	cont = make([]bool, len(lines))
	inString = make([]bool, len(lines))
	depth := 0
	quote := "" // the open triple quote, if any
	joined := false
	for i, l := range lines {
		cont[i] = depth > 0 || quote != "" || joined
		inString[i] = quote != ""
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
	return cont, inString
}

// Blocks drops indentation blocks at one depth: a whole def, class, if or
// try with its body at once (hierarchical delta debugging).
type Blocks struct{ Depth int }

func (b Blocks) Name() string          { return "blocks" + string(rune('0'+b.Depth)) }
func (Blocks) Traits() minimize.Traits { return minimize.Traits{} }
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
// and finally clauses), `with …:`, `if …:` (dropping elif and else, or
// keeping only the else branch), `for`, `while`; and it removes
// `else:`/`finally:` clauses whose body is `pass`.
type Unwrap struct{}

var unwrappable = []string{"try:", "with ", "if ", "for ", "while ", "async with ", "async for "}
var clauses = []string{"except", "else:", "elif ", "finally:"}

func (Unwrap) Name() string            { return "unwrap" }
func (Unwrap) Traits() minimize.Traits { return minimize.Traits{} }
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
			// An if with an else can also become its else branch.
			if strings.HasPrefix(head, "if ") {
				for _, m := range nodes[k+1:] {
					if m.line >= end {
						break
					}
					if m.end-m.line >= 2 && indent(f.lines[m.line]) == w && strings.TrimSpace(f.lines[m.line]) == "else:" {
						units = append(units, unit{file: fi, header: n.line, body: [2]int{m.line + 1, m.end}, drop: [2]int{n.line + 1, m.line + 1}, dedent: indent(f.lines[m.line+1]) - w})
					}
				}
			}
		}
	}
	return len(units), func(keep []bool) []byte {
		c := d.clone()
		for fi := range c.files {
			dropped := make([]bool, len(c.files[fi].lines))
			dedent := make([]int, len(c.files[fi].lines))
			unwrapped := map[int]bool{} // headers done: an if unwraps to one branch
			for u, un := range units {
				if keep[u] || un.file != fi || unwrapped[un.header] {
					continue
				}
				unwrapped[un.header] = true
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

func (Hollow) Name() string            { return "hollow" }
func (Hollow) Traits() minimize.Traits { return minimize.Traits{} }
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
