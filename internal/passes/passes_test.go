package passes

import (
	"strings"
	"testing"
)

// A statement spread over lines is one node of the tree, so block passes
// remove it whole: a dict literal, a docstring, a backslash continuation.
func TestTreeKeepsStatementsWhole(t *testing.T) {
	src := `DEFAULTS = {
    "a": 1,
}
"""Doc
  string (with a bracket"""
x = 1 + \
    2
def f():
    s = '''
not a block:
'''
    return s
`
	lines := splitLines(src)
	var got []string
	for _, n := range tree(lines, true) {
		got = append(got, strings.TrimSpace(lines[n.line])+" "+string(rune('0'+n.end-n.line)))
	}
	want := []string{"DEFAULTS = { 3", `"""Doc 2`, `x = 1 + \ 2`, "def f(): 5", "s = ''' 3", "return s 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("nodes (first line, length):\n got %q\nwant %q", got, want)
	}
	// Not Python: every indented line is its own node.
	if n := len(tree(lines, false)); n != len(lines) {
		t.Errorf("non-Python tree has %d nodes, want one per line (%d)", n, len(lines))
	}
}

func archive(script string, files ...string) []byte {
	var b strings.Builder
	b.WriteString(script)
	for i := 0; i+1 < len(files); i += 2 {
		b.WriteString("-- " + files[i] + " --\n" + files[i+1])
	}
	return []byte(b.String())
}

// Blank's units are blank lines anywhere and comment lines of Python files
// and of the script, never the script's title.
func TestBlankUnits(t *testing.T) {
	in := archive("# title\n\n# note\nexec python3 a.py\nstderr 'x'\n",
		"a.py", "# comment\nimport os\n\n    # indented comment\nprint(1)  # trailing\n",
		"data.txt", "# not a comment here\n\nrow\n")
	n, build := Blank{}.Split(in)
	if n != 6 {
		t.Fatalf("%d units, want 6: 2 in the script, 3 in a.py, 1 in data.txt", n)
	}
	got := string(build(make([]bool, n)))
	want := string(archive("# title\nexec python3 a.py\nstderr 'x'\n",
		"a.py", "import os\nprint(1)  # trailing\n",
		"data.txt", "# not a comment here\nrow\n"))
	if got != want {
		t.Errorf("all removed:\n%s\nwant:\n%s", got, want)
	}
}
